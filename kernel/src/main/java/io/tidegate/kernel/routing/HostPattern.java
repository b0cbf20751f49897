package io.tidegate.kernel.routing;

import io.tidegate.spi.model.HostWildcard;
import io.tidegate.spi.model.Route;
import java.util.Locale;

/**
 * One validated host pattern of a route: an exact name, {@code *.suffix}, or {@code *}.
 *
 * @param kind which of the three
 * @param value the lower-case host for {@link Kind#EXACT}; the suffix with its leading dot
 *              ({@code .example.com}) for {@link Kind#WILDCARD}; {@code *} for {@link Kind#ANY}
 * @param text the pattern as written, lower case, for messages
 */
record HostPattern(Kind kind, String value, String text) {

    enum Kind { EXACT, WILDCARD, ANY }

    static final HostPattern ANY = new HostPattern(Kind.ANY, "*", "*");

    /**
     * Validates and lower-cases a pattern. A {@code *} is allowed only as the whole pattern or as the whole
     * first label: {@code a*.b.com}, {@code *b.com} and {@code foo.*.com} are refused rather than silently
     * never matching.
     */
    static HostPattern parse(String raw, Route route, String field) throws InvalidRouteException {
        try {
            return parse(raw);
        } catch (IllegalArgumentException e) {
            throw new InvalidRouteException(route, field, e.getMessage());
        }
    }

    /** As {@link #parse(String, Route, String)}, for patterns that are not a route's (TLS SNI names). */
    static HostPattern parse(String raw) {
        String host = raw.toLowerCase(Locale.ROOT);
        if (host.isEmpty()) {
            throw new IllegalArgumentException("\"\" (expected: a host name, *.suffix or *)");
        }
        if (host.equals("*")) {
            return ANY;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c <= ' ' || c == '/' || c == '@' || c == '?' || c == '#' || c == 0x7f) {
                throw new IllegalArgumentException("\"" + raw + "\" (expected: a host name without "
                        + "spaces, control characters, /, @, ? or #)");
            }
        }
        boolean wildcard = host.startsWith("*.");
        String name = wildcard ? host.substring(1) : host;
        if (name.indexOf('*') >= 0) {
            throw new IllegalArgumentException("\"" + raw + "\" (expected: * only as the whole first "
                    + "label, as in *.example.com)");
        }
        String labels = wildcard ? name.substring(1) : name;
        if (labels.isEmpty() || labels.startsWith(".") || labels.endsWith(".") || labels.contains("..")) {
            throw new IllegalArgumentException("\"" + raw + "\" (expected: no empty labels)");
        }
        return wildcard ? new HostPattern(Kind.WILDCARD, name, host) : new HostPattern(Kind.EXACT, host, host);
    }

    /**
     * The reference semantics, used by {@code explain}; the {@link HostIndex} must agree. A wildcard needs
     * at least one label in place of the star, so {@code *.example.com} never matches {@code example.com}.
     */
    boolean matches(String host, HostWildcard wildcard) {
        return switch (kind) {
            case ANY -> true;
            case EXACT -> host.equals(value);
            case WILDCARD -> {
                int starLength = host.length() - value.length();
                if (starLength <= 0 || !host.endsWith(value)) {
                    yield false;
                }
                yield wildcard == HostWildcard.ANY_LABELS || host.indexOf('.') == starLength;
            }
        };
    }
}
