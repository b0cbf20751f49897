package io.tidegate.kernel.runtime;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.PathRewrite;

/**
 * A route's path rewrite, compiled once. Prefix rewrites follow the route's own match kind:
 * character prefixes (Envoy, Istio) are replaced as they are; segment prefixes (Ingress, Gateway API)
 * are replaced element-wise so {@code /v1} → {@code /} turns {@code /v1/users} into {@code /users},
 * never {@code //users}.
 */
public final class PathRewriter {

    /** Leaves the path alone. */
    public static final PathRewriter NONE = new PathRewriter(Mode.NONE, null, 0, null, null);

    private enum Mode { NONE, PREFIX, SEGMENT_PREFIX, FULL, REGEX }

    private final Mode mode;
    private final String replacement;
    private final int prefixLength;
    private final Pattern regex;
    private final String substitution;

    private PathRewriter(Mode mode, String replacement, int prefixLength, Pattern regex, String substitution) {
        this.mode = mode;
        this.replacement = replacement;
        this.prefixLength = prefixLength;
        this.regex = regex;
        this.substitution = substitution;
    }

    /**
     * Compiles {@code rewrite} for a route matching with {@code match}.
     *
     * @throws IllegalArgumentException naming the field when the rewrite cannot apply
     */
    public static PathRewriter compile(PathRewrite rewrite, PathMatch match) {
        if (rewrite == null) {
            return NONE;
        }
        if (rewrite.fullPath() != null) {
            requireAbsolute(rewrite.fullPath(), "rewrite.fullPath");
            return new PathRewriter(Mode.FULL, rewrite.fullPath(), 0, null, null);
        }
        if (rewrite.regex() != null) {
            try {
                Pattern p = Pattern.compile(rewrite.regex());
                return new PathRewriter(Mode.REGEX, null, 0, p, toRe2jSubstitution(rewrite.substitution()));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("rewrite.regex: " + e.getMessage());
            }
        }
        if (rewrite.prefix() != null) {
            if (match == null || (match.kind() != PathMatch.Kind.PREFIX && match.kind() != PathMatch.Kind.SEGMENT_PREFIX)) {
                throw new IllegalArgumentException("rewrite.prefix: needs a prefix path match (expected: match.path prefix)");
            }
            if (match.kind() == PathMatch.Kind.PREFIX) {
                return new PathRewriter(Mode.PREFIX, rewrite.prefix(), match.value().length(), null, null);
            }
            String matched = match.value();
            int length = matched.endsWith("/") ? matched.length() - 1 : matched.length();
            return new PathRewriter(Mode.SEGMENT_PREFIX, rewrite.prefix(), length, null, null);
        }
        return NONE;
    }

    /** The path to send upstream for a request path that matched the route. */
    public String apply(String path) {
        switch (mode) {
            case NONE:
                return path;
            case FULL:
                return replacement;
            case REGEX:
                return regex.matcher(path).replaceAll(substitution);
            case PREFIX:
                return replacement + path.substring(Math.min(prefixLength, path.length()));
            default:
                return replaceSegmentPrefix(path);
        }
    }

    private String replaceSegmentPrefix(String path) {
        String rest = path.substring(Math.min(prefixLength, path.length()));
        if (rest.isEmpty()) {
            return replacement.isEmpty() ? "/" : replacement;
        }
        // rest starts with "/" here: the segment match guarantees a boundary.
        if (replacement.endsWith("/")) {
            return replacement + rest.substring(1);
        }
        return replacement + rest;
    }

    private static void requireAbsolute(String path, String field) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException(field + ": '" + path + "' (expected: starts with /)");
        }
    }

    /** {@code \1} (Envoy/Istio style) to re2j's {@code $1}; a literal {@code $} is escaped. */
    static String toRe2jSubstitution(String s) {
        StringBuilder out = new StringBuilder(s.length() + 4);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1))) {
                out.append('$').append(s.charAt(++i));
            } else if (c == '$') {
                out.append("\\$");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
