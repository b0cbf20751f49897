package io.tidegate.kernel.routing;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Route;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The compiled, immutable routing table. Precedence is list order: {@link #match} returns the first route
 * whose whole match holds, exactly as a linear scan would, but finds it through a {@link HostIndex} of
 * {@link PathIndex} groups so that a lookup costs about the same with ten routes as with ten thousand.
 * Every route gets a rank (its list index); the index structures yield rank-sorted candidates, and the
 * lowest rank whose remaining conditions hold wins.
 *
 * @param <T> the payload the engine routes to, e.g. a route with its resolved clusters and policies
 */
public final class RouteTable<T> {

    /** A table without routes: matches nothing. */
    public static final RouteTable<?> EMPTY = new RouteTable<>(List.of(), new CompiledRoute[0],
            new HostIndex.Builder().build(), false);

    private final List<T> routes;
    private final CompiledRoute[] compiled;
    private final HostIndex index;
    /** Whether any route matches its path case-insensitively through the index, so a lookup must fold. */
    private final boolean folds;

    private RouteTable(List<T> routes, CompiledRoute[] compiled, HostIndex index, boolean folds) {
        this.routes = routes;
        this.compiled = compiled;
        this.index = index;
        this.folds = folds;
    }

    /** A table without routes, typed. */
    @SuppressWarnings("unchecked")
    public static <T> RouteTable<T> empty() {
        return (RouteTable<T>) EMPTY;
    }

    /**
     * Validates and compiles routes.
     *
     * @param routes the payloads in precedence order: the first whose match holds wins
     * @param routeOf extracts the spi route from a payload
     * @throws InvalidRouteException naming the first route and field that cannot be compiled
     */
    public static <T> RouteTable<T> compile(List<T> routes, Function<T, Route> routeOf) throws InvalidRouteException {
        requireNonNull(routes, "routes");
        requireNonNull(routeOf, "routeOf");
        List<T> payloads = List.copyOf(routes);
        CompiledRoute[] compiled = new CompiledRoute[payloads.size()];
        HostIndex.Builder index = new HostIndex.Builder();
        boolean folds = false;
        for (int rank = 0; rank < compiled.length; rank++) {
            Route route = requireNonNull(routeOf.apply(payloads.get(rank)), "route of routes[" + rank + "]");
            CompiledRoute c = CompiledRoute.compile(route, rank);
            compiled[rank] = c;
            index.add(c);
            folds |= c.path != null && c.path.ignoreCase() && c.path.kind() != PathMatch.Kind.REGEX;
        }
        return new RouteTable<>(payloads, compiled, index.build(), folds);
    }

    /** The first route in list order whose whole match holds, or null. */
    public T match(RequestFacts request) {
        String path = request.path();
        int rank = index.best(request.host(), path, folds ? CaseFold.fold(path) : path, request);
        return rank == Candidates.NONE ? null : routes.get(rank);
    }

    /** The routes, in precedence order. */
    public List<T> routes() {
        return routes;
    }

    /**
     * Every route in order, with whether its match holds and, if not, the first condition that fails, in
     * words. Scans the whole table; for {@code tidegate explain}, not for the request path.
     */
    public List<Explanation<T>> explain(RequestFacts request) {
        requireNonNull(request, "request");
        List<Explanation<T>> explanations = new ArrayList<>(compiled.length);
        String winner = null;
        for (int rank = 0; rank < compiled.length; rank++) {
            CompiledRoute route = compiled[rank];
            String failure = route.failure(request);
            if (failure != null) {
                explanations.add(new Explanation<>(routes.get(rank), false, failure));
            } else if (winner == null) {
                winner = route.name;
                explanations.add(new Explanation<>(routes.get(rank), true, "matched"));
            } else {
                explanations.add(new Explanation<>(routes.get(rank), true,
                        "matched, but route " + winner + " comes first"));
            }
        }
        return explanations;
    }

    @Override
    public String toString() {
        return "RouteTable[" + routes.size() + " routes]";
    }
}
