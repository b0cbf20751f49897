package io.tidegate.kernel.routing;

/**
 * Removes dot segments from a request path (RFC 3986 section 5.2.4) before routing, so that
 * {@code /public/../admin} cannot slip past a route for {@code /public} into an upstream that would resolve
 * it to {@code /admin}.
 *
 * <p>Unlike the RFC, which clamps at the root, a path whose dot segments climb above the root is refused
 * ({@code null}): such a request is malformed or hostile and gets a 400. Percent-encoded dots
 * ({@code %2e}, {@code %2E}) count as dots, because upstreams decode them. Empty segments ({@code //}) are
 * kept, as upstreams may give them meaning, and so is a trailing slash.
 */
public final class PathNormalizer {

    private static final int NOT_DOT = 0;
    private static final int DOT = 1;
    private static final int DOT_DOT = 2;

    private PathNormalizer() {
    }

    /**
     * The path with dot segments removed; the same instance when it has none.
     *
     * @param rawPath the path part of the request target, without the query
     * @return the normalized path, or null when {@code rawPath} is null, does not start with {@code /}, or
     *         climbs above the root
     */
    public static String normalize(String rawPath) {
        if (rawPath == null || rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return null;
        }
        if (!hasDotSegment(rawPath)) {
            return rawPath;
        }
        int length = rawPath.length();
        StringBuilder out = new StringBuilder(length);
        int[] segmentStarts = new int[length];
        int depth = 0;
        int slash = 0;
        while (slash < length) {
            int end = rawPath.indexOf('/', slash + 1);
            if (end < 0) {
                end = length;
            }
            boolean last = end == length;
            switch (dotKind(rawPath, slash + 1, end)) {
                case DOT -> {
                    if (last) {
                        out.append('/');
                    }
                }
                case DOT_DOT -> {
                    if (depth == 0) {
                        return null; // climbs above the root
                    }
                    out.setLength(segmentStarts[--depth]);
                    if (last) {
                        out.append('/');
                    }
                }
                default -> {
                    segmentStarts[depth++] = out.length();
                    out.append(rawPath, slash, end);
                }
            }
            slash = end;
        }
        return out.toString();
    }

    private static boolean hasDotSegment(String path) {
        int length = path.length();
        int slash = 0;
        while (slash < length) {
            int end = path.indexOf('/', slash + 1);
            if (end < 0) {
                end = length;
            }
            if (dotKind(path, slash + 1, end) != NOT_DOT) {
                return true;
            }
            slash = end;
        }
        return false;
    }

    /** Whether {@code path[from, to)} is {@code .} or {@code ..}, each dot possibly written {@code %2e}. */
    private static int dotKind(String path, int from, int to) {
        int dots = 0;
        int i = from;
        while (i < to) {
            char c = path.charAt(i);
            if (c == '.') {
                i++;
            } else if (c == '%' && i + 3 <= to && path.charAt(i + 1) == '2'
                    && (path.charAt(i + 2) == 'e' || path.charAt(i + 2) == 'E')) {
                i += 3;
            } else {
                return NOT_DOT;
            }
            if (++dots > 2) {
                return NOT_DOT;
            }
        }
        return dots;
    }
}
