package io.tidegate.spi.model;

/**
 * How the path (and authority) is rewritten before forwarding. At most one path form is set. The
 * query string is always kept.
 *
 * @param prefix replaces the prefix the route matched (with a prefix or segment-prefix match);
 *               {@code /v1} → {@code /} turns {@code /v1/users} into {@code /users}
 * @param fullPath replaces the whole path
 * @param regex RE2 pattern searched in the path (every match replaced) with {@code substitution}
 * @param substitution replacement for {@code regex}; {@code \1}..{@code \9} refer to capture groups
 * @param authority replaces the Host header sent upstream; null keeps the client's
 */
public record PathRewrite(String prefix, String fullPath, String regex, String substitution, String authority) {

    public PathRewrite {
        int forms = (prefix != null ? 1 : 0) + (fullPath != null ? 1 : 0) + (regex != null ? 1 : 0);
        if (forms > 1) {
            throw new IllegalArgumentException("prefix, fullPath and regex are exclusive");
        }
        if (regex != null && substitution == null) {
            throw new IllegalArgumentException("regex needs a substitution");
        }
    }

    public static PathRewrite prefix(String replacement) {
        return new PathRewrite(replacement, null, null, null, null);
    }

    public static PathRewrite authority(String host) {
        return new PathRewrite(null, null, null, null, host);
    }
}
