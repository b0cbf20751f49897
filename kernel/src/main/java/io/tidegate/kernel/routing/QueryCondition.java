package io.tidegate.kernel.routing;

import com.google.re2j.PatternSyntaxException;
import io.tidegate.spi.model.QueryMatch;
import io.tidegate.spi.model.Route;

/** A compiled {@link QueryMatch}: the first decoded value of the parameter must satisfy the match. */
final class QueryCondition {

    private final String name;
    private final CompiledStringMatch match;

    private QueryCondition(String name, CompiledStringMatch match) {
        this.name = name;
        this.match = match;
    }

    static QueryCondition compile(QueryMatch query, Route route, String field) throws InvalidRouteException {
        if (query.name().isEmpty()) {
            throw new InvalidRouteException(route, field + ".name", "\"\" (expected: a parameter name)");
        }
        try {
            return new QueryCondition(query.name(), CompiledStringMatch.of(query.match()));
        } catch (IllegalArgumentException e) {
            throw new InvalidRouteException(route, field + ".regex", CompiledStringMatch.problem(query.match().value(),
                    (PatternSyntaxException) e.getCause()));
        }
    }

    /** A missing parameter fails every match, {@code PRESENT} included. */
    boolean test(RequestFacts request) {
        return match.matches(request.queryParam(name));
    }

    /** Why the condition fails, in words, or null when it holds. */
    String failure(RequestFacts request) {
        String value = request.queryParam(name);
        if (match.matches(value)) {
            return null;
        }
        return "query parameter " + name + ": " + (value == null ? "missing" : "\"" + value + "\" does not match "
                + match);
    }
}
