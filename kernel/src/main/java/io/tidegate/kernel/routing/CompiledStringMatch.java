package io.tidegate.kernel.routing;

import static java.util.Objects.requireNonNull;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.tidegate.spi.model.StringMatch;
import java.util.Locale;

/**
 * A {@link StringMatch} ready to test values: the regex compiled once (RE2, linear time, so a route
 * author cannot make the gateway backtrack), case-insensitive comparisons done in place without copies.
 * Shared by header and query conditions, and by the engine for CORS origins.
 */
public final class CompiledStringMatch {

    private final StringMatch source;
    private final Pattern regex;

    private CompiledStringMatch(StringMatch source, Pattern regex) {
        this.source = source;
        this.regex = regex;
    }

    /**
     * Compiles a match.
     *
     * @throws IllegalArgumentException when a {@link StringMatch.Kind#REGEX} value is not valid RE2
     */
    public static CompiledStringMatch of(StringMatch match) {
        requireNonNull(match, "match");
        Pattern regex = null;
        if (match.kind() == StringMatch.Kind.REGEX) {
            try {
                regex = Pattern.compile(match.value(), match.ignoreCase() ? Pattern.CASE_INSENSITIVE : 0);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("regex: " + problem(match.value(), e), e);
            }
        }
        return new CompiledStringMatch(match, regex);
    }

    /**
     * Whether {@code value} satisfies the match. A null value (absent header or parameter) never does, not
     * even {@link StringMatch.Kind#PRESENT}; inverting is the caller's business.
     */
    public boolean matches(String value) {
        if (value == null) {
            return false;
        }
        String operand = source.value();
        boolean ignoreCase = source.ignoreCase();
        return switch (source.kind()) {
            case EXACT -> ignoreCase ? value.equalsIgnoreCase(operand) : value.equals(operand);
            case PREFIX -> value.regionMatches(ignoreCase, 0, operand, 0, operand.length());
            case SUFFIX -> value.length() >= operand.length()
                    && value.regionMatches(ignoreCase, value.length() - operand.length(), operand, 0,
                    operand.length());
            case CONTAINS -> contains(value, operand, ignoreCase);
            case REGEX -> regex.matcher(value).matches();
            case PRESENT -> true;
        };
    }

    /** What is wrong with a regex, for messages: {@code "a(" (expected: RE2 syntax; missing closing ))}. */
    static String problem(String regex, PatternSyntaxException e) {
        return "\"" + regex + "\" (expected: RE2 syntax; " + e.getDescription() + ")";
    }

    /** The match this was compiled from. */
    public StringMatch source() {
        return source;
    }

    private static boolean contains(String value, String operand, boolean ignoreCase) {
        if (!ignoreCase) {
            return value.contains(operand);
        }
        for (int i = 0, last = value.length() - operand.length(); i <= last; i++) {
            if (value.regionMatches(true, i, operand, 0, operand.length())) {
                return true;
            }
        }
        return false;
    }

    /** In words, for {@code explain}: {@code exact "prod"}, {@code regex "v[0-9]+" (ignoring case)}. */
    @Override
    public String toString() {
        String kind = source.kind().name().toLowerCase(Locale.ROOT);
        String text = source.kind() == StringMatch.Kind.PRESENT ? "present" : kind + " \"" + source.value() + "\"";
        return source.ignoreCase() && source.kind() != StringMatch.Kind.PRESENT ? text + " (ignoring case)" : text;
    }
}
