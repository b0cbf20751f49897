package io.tidegate.kernel.routing;

/**
 * Case folding for case-insensitive path matching (Istio {@code ignoreUriCase}). Folds char by char, so a
 * folded string keeps its length and its {@code /} positions, which the tries rely on.
 */
final class CaseFold {

    private CaseFold() {
    }

    /** The folded string; the same instance when nothing changes, so ASCII lower-case paths cost no copy. */
    static String fold(String s) {
        int n = s.length();
        int i = 0;
        while (i < n && fold(s.charAt(i)) == s.charAt(i)) {
            i++;
        }
        if (i == n) {
            return s;
        }
        char[] chars = s.toCharArray();
        for (; i < n; i++) {
            chars[i] = fold(chars[i]);
        }
        return new String(chars);
    }

    /** The same mapping {@link String#equalsIgnoreCase} applies. */
    static char fold(char c) {
        if (c < 0x80) {
            return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
        }
        return Character.toLowerCase(Character.toUpperCase(c));
    }
}
