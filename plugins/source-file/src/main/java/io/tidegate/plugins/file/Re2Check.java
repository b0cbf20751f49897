package io.tidegate.plugins.file;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A JDK-only approximation of "is this valid RE2?", so a bad regex is reported with its file and line and
 * rejects only its route (the kernel compiles with RE2 and would reject the whole fragment). RE2 is
 * nearly a subset of {@link java.util.regex}: we translate RE2's {@code (?P<name>...)} groups, refuse
 * the JDK-only constructs RE2 lacks (lookaround, backreferences, atomic groups, possessive quantifiers),
 * and let the JDK find the rest (unbalanced parentheses, bad escapes, dangling quantifiers).
 */
final class Re2Check {

    private Re2Check() {
    }

    /** What is wrong with {@code regex}, or null when it looks like valid RE2. */
    static String problem(String regex) {
        String unsupported = unsupportedConstruct(regex);
        if (unsupported != null) {
            return unsupported;
        }
        try {
            Pattern.compile(regex.replace("(?P<", "(?<"));
            return null;
        } catch (PatternSyntaxException e) {
            return e.getDescription() + " near index " + e.getIndex();
        }
    }

    private static String unsupportedConstruct(String s) {
        boolean inClass = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                if (i + 1 < s.length()) {
                    char next = s.charAt(i + 1);
                    if (!inClass && (next >= '1' && next <= '9' || next == 'k')) {
                        return "backreferences are not supported";
                    }
                    if (next == 'Q') { // literal text up to \E: nothing inside is syntax
                        int end = s.indexOf("\\E", i + 2);
                        i = end < 0 ? s.length() : end + 1;
                        continue;
                    }
                }
                i++;
            } else if (inClass) {
                if (c == ']') {
                    inClass = false;
                }
            } else if (c == '[') {
                inClass = true;
                if (i + 1 < s.length() && s.charAt(i + 1) == '^') {
                    i++;
                }
                if (i + 1 < s.length() && s.charAt(i + 1) == ']') {
                    i++; // a leading ] is a literal
                }
            } else if (c == '(' && s.startsWith("(?", i)) {
                String rest = s.substring(i + 2);
                if (rest.startsWith("=") || rest.startsWith("!") || rest.startsWith("<=") || rest.startsWith("<!")) {
                    return "lookahead and lookbehind are not supported";
                }
                if (rest.startsWith(">")) {
                    return "atomic groups are not supported";
                }
            } else if ((c == '*' || c == '+' || c == '?' || c == '}') && i + 1 < s.length() && s.charAt(i + 1) == '+'
                    && !(c == '}' && !closesRepeat(s, i))) {
                return "possessive quantifiers are not supported";
            }
        }
        return null;
    }

    /** Whether the closing brace at {@code close} ends a {@code {n,m}} repeat rather than being a literal. */
    private static boolean closesRepeat(String s, int close) {
        int open = s.lastIndexOf('{', close);
        return open >= 0 && s.substring(open + 1, close).matches("\\d+(,\\d*)?");
    }
}
