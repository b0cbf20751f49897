package io.tidegate.kernel.routing;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Route;
import java.util.ArrayList;
import java.util.List;

/**
 * A validated {@link PathMatch}. The index does the matching for exact, prefix and segment-prefix paths;
 * this class holds what the index keys on, tests regex paths, and states the reference semantics that
 * {@code explain} uses and the index must agree with.
 *
 * @param kind the comparison
 * @param key the value as written, case-folded when {@code ignoreCase}; the regex source for REGEX
 * @param ignoreCase compare case-insensitively
 * @param regex the compiled regex, REGEX only
 */
record PathCondition(PathMatch.Kind kind, String key, boolean ignoreCase, Pattern regex) {

    static PathCondition compile(PathMatch match, Route route) throws InvalidRouteException {
        String value = match.value();
        if (match.kind() == PathMatch.Kind.REGEX) {
            try {
                return new PathCondition(match.kind(), value, match.ignoreCase(),
                        Pattern.compile(value, match.ignoreCase() ? Pattern.CASE_INSENSITIVE : 0));
            } catch (PatternSyntaxException e) {
                throw new InvalidRouteException(route, "match.path.regex", CompiledStringMatch.problem(value, e));
            }
        }
        if (!value.startsWith("/")) {
            throw new InvalidRouteException(route, "match.path.value", "\"" + value + "\" (expected: starts with /)");
        }
        return new PathCondition(match.kind(), match.ignoreCase() ? CaseFold.fold(value) : value,
                match.ignoreCase(), null);
    }

    /** Whether the whole path matches the regex (anchored at both ends, as Envoy's safe_regex). */
    boolean regexMatches(String path) {
        return regex.matcher(path).matches();
    }

    /** The reference semantics, used by {@code explain}. */
    boolean matches(String path) {
        String p = ignoreCase && kind != PathMatch.Kind.REGEX ? CaseFold.fold(path) : path;
        return switch (kind) {
            case EXACT -> p.equals(key);
            case PREFIX -> p.startsWith(key);
            case SEGMENT_PREFIX -> {
                List<String> pattern = segments(key);
                List<String> request = segments(p);
                yield request.size() >= pattern.size() && request.subList(0, pattern.size()).equals(pattern);
            }
            case REGEX -> regexMatches(p);
        };
    }

    /**
     * The path elements for segment-prefix matching: split on {@code /} after the leading one, empty
     * elements kept, except that a single trailing empty element (from a trailing slash) is dropped.
     * {@code /} has none, {@code /a/b/} is [a, b], {@code /a//b} is [a, "", b], {@code /a//} is [a, ""].
     */
    static List<String> segments(String path) {
        List<String> segments = new ArrayList<>();
        int length = path.length();
        int from = 1;
        while (from < length) {
            int end = path.indexOf('/', from);
            if (end < 0) {
                end = length;
            }
            segments.add(path.substring(from, end));
            from = end + 1;
        }
        return segments;
    }

    /** In words, for {@code explain}: {@code is not under prefix /api}. */
    String describeFailure() {
        String text = switch (kind) {
            case EXACT -> "is not " + key;
            case PREFIX -> "is not under prefix " + key;
            case SEGMENT_PREFIX -> "is not under path prefix " + key + " (element by element)";
            case REGEX -> "does not match regex " + key;
        };
        return ignoreCase ? text + " (ignoring case)" : text;
    }
}
