package io.tidegate.kernel.routing;

import io.tidegate.spi.model.HeaderMatch;
import io.tidegate.spi.model.QueryMatch;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteMatch;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The conditions of a route that the index does not key on: method, headers, query. Checked only for the
 * candidates the host and path index return, cheapest first.
 */
final class RouteConditions {

    private final Set<String> methods;
    private final HeaderCondition[] headers;
    private final QueryCondition[] query;

    private RouteConditions(Set<String> methods, HeaderCondition[] headers, QueryCondition[] query) {
        this.methods = methods;
        this.headers = headers;
        this.query = query;
    }

    static RouteConditions compile(RouteMatch match, Route route) throws InvalidRouteException {
        Set<String> methods = new TreeSet<>();
        for (String method : match.methods()) {
            if (method.isBlank()) {
                throw new InvalidRouteException(route, "match.methods", "\"" + method + "\" (expected: a method name)");
            }
            methods.add(method.toUpperCase(Locale.ROOT));
        }
        List<HeaderMatch> headerMatches = match.headers();
        HeaderCondition[] headers = new HeaderCondition[headerMatches.size()];
        for (int i = 0; i < headers.length; i++) {
            headers[i] = HeaderCondition.compile(headerMatches.get(i), route, "match.headers[" + i + "]");
        }
        List<QueryMatch> queryMatches = match.queryParams();
        QueryCondition[] query = new QueryCondition[queryMatches.size()];
        for (int i = 0; i < query.length; i++) {
            query[i] = QueryCondition.compile(queryMatches.get(i), route, "match.queryParams[" + i + "]");
        }
        return new RouteConditions(Set.copyOf(methods), headers, query);
    }

    boolean test(RequestFacts request) {
        if (!methods.isEmpty() && !methods.contains(request.method())) {
            return false;
        }
        for (HeaderCondition header : headers) {
            if (!header.test(request)) {
                return false;
            }
        }
        for (QueryCondition q : query) {
            if (!q.test(request)) {
                return false;
            }
        }
        return true;
    }

    /** The first condition that fails, in words, or null when all hold. */
    String failure(RequestFacts request) {
        if (!methods.isEmpty() && !methods.contains(request.method())) {
            return "method " + request.method() + " is not one of " + new TreeSet<>(methods);
        }
        for (HeaderCondition header : headers) {
            String failure = header.failure(request);
            if (failure != null) {
                return failure;
            }
        }
        for (QueryCondition q : query) {
            String failure = q.failure(request);
            if (failure != null) {
                return failure;
            }
        }
        return null;
    }
}
