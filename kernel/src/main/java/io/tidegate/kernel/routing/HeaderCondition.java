package io.tidegate.kernel.routing;

import com.google.re2j.PatternSyntaxException;
import io.tidegate.spi.model.HeaderMatch;
import io.tidegate.spi.model.Route;
import java.util.List;
import java.util.Locale;

/**
 * A compiled {@link HeaderMatch}. Pseudo-headers are resolved at compile time to the request fact they
 * stand for, so a lookup never compares names.
 */
final class HeaderCondition {

    /** Where the value comes from. */
    private enum Source { METHOD, SCHEME, AUTHORITY, PATH, HEADER }

    private final String name;
    private final Source source;
    private final CompiledStringMatch match;
    private final boolean invert;

    private HeaderCondition(String name, Source source, CompiledStringMatch match, boolean invert) {
        this.name = name;
        this.source = source;
        this.match = match;
        this.invert = invert;
    }

    static HeaderCondition compile(HeaderMatch header, Route route, String field) throws InvalidRouteException {
        String name = header.name().toLowerCase(Locale.ROOT);
        if (name.isEmpty()) {
            throw new InvalidRouteException(route, field + ".name", "\"\" (expected: a header name)");
        }
        Source source = switch (name) {
            case ":method" -> Source.METHOD;
            case ":scheme" -> Source.SCHEME;
            case ":authority" -> Source.AUTHORITY;
            case ":path" -> Source.PATH;
            default -> Source.HEADER;
        };
        if (source == Source.HEADER && name.startsWith(":")) {
            throw new InvalidRouteException(route, field + ".name", "\"" + header.name()
                    + "\" (expected: a header name or one of :method, :scheme, :authority, :path)");
        }
        try {
            return new HeaderCondition(name, source, CompiledStringMatch.of(header.match()), header.invert());
        } catch (IllegalArgumentException e) {
            throw new InvalidRouteException(route, field + ".regex", CompiledStringMatch.problem(header.match().value(),
                    (PatternSyntaxException) e.getCause()));
        }
    }

    boolean test(RequestFacts request) {
        return holds(request) != invert;
    }

    /** Whether the condition, before inversion, holds: some value of the header satisfies the match. */
    private boolean holds(RequestFacts request) {
        return switch (source) {
            case METHOD -> match.matches(request.method());
            case SCHEME -> match.matches(request.scheme());
            case AUTHORITY -> match.matches(request.authority());
            case PATH -> match.matches(request.path());
            case HEADER -> {
                String first = request.header(name);
                if (first == null) {
                    yield false;
                }
                if (match.matches(first)) {
                    yield true;
                }
                List<String> all = request.headers(name);
                for (int i = 0, n = all.size(); i < n; i++) {
                    if (match.matches(all.get(i))) {
                        yield true;
                    }
                }
                yield false;
            }
        };
    }

    /** Why the condition fails, in words, or null when it holds. */
    String failure(RequestFacts request) {
        if (test(request)) {
            return null;
        }
        List<String> values = switch (source) {
            case METHOD -> List.of(request.method());
            case SCHEME -> List.of(request.scheme());
            case AUTHORITY -> List.of(request.authority());
            case PATH -> List.of(request.path());
            case HEADER -> request.headers(name);
        };
        String prefix = "header " + name + ": ";
        if (invert) {
            return prefix + (values.isEmpty() ? "" : show(values) + " ") + "matches " + match + ", expected no match";
        }
        if (values.isEmpty()) {
            return prefix + "missing";
        }
        return prefix + show(values) + " does not match " + match;
    }

    private static String show(List<String> values) {
        return values.size() == 1 ? "\"" + values.get(0) + "\"" : values.toString();
    }
}
