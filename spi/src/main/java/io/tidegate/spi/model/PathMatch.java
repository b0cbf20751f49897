package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

/**
 * How a request path (without the query) is matched.
 *
 * @param kind the comparison
 * @param value the path, prefix or RE2 regex
 * @param ignoreCase compare case-insensitively (Istio's {@code ignoreUriCase})
 */
public record PathMatch(Kind kind, String value, boolean ignoreCase) {

    /** The comparison. */
    public enum Kind {
        /** The whole path equals {@code value}. */
        EXACT,
        /** The path starts with {@code value}, character by character (Envoy and Istio {@code prefix}). */
        PREFIX,
        /**
         * The path starts with {@code value} element by element, split on {@code /}, a trailing slash
         * ignored: {@code /foo} matches {@code /foo}, {@code /foo/} and {@code /foo/bar}, not
         * {@code /foobar} (Kubernetes Ingress {@code Prefix}, Gateway API {@code PathPrefix}).
         */
        SEGMENT_PREFIX,
        /** The whole path matches the RE2 regex {@code value}. */
        REGEX
    }

    public PathMatch {
        requireNonNull(kind, "kind");
        requireNonNull(value, "value");
    }

    public static PathMatch exact(String path) {
        return new PathMatch(Kind.EXACT, path, false);
    }

    public static PathMatch prefix(String prefix) {
        return new PathMatch(Kind.PREFIX, prefix, false);
    }

    public static PathMatch segmentPrefix(String prefix) {
        return new PathMatch(Kind.SEGMENT_PREFIX, prefix, false);
    }

    public static PathMatch regex(String regex) {
        return new PathMatch(Kind.REGEX, regex, false);
    }
}
