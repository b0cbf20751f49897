package io.tidegate.kernel.routing;

import io.tidegate.spi.model.HeaderMatch;
import io.tidegate.spi.model.HostWildcard;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.QueryMatch;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteMatch;
import io.tidegate.spi.model.StringMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** A fluent builder of routes for tests: {@code M.path(exact("/x")).hosts("a.com").route("r1")}. */
final class M {

    private List<String> hosts = List.of();
    private HostWildcard wildcard = HostWildcard.ANY_LABELS;
    private PathMatch path;
    private Set<String> methods = Set.of();
    private final List<HeaderMatch> headers = new ArrayList<>();
    private final List<QueryMatch> query = new ArrayList<>();

    static M any() {
        return new M();
    }

    static M path(PathMatch path) {
        M m = new M();
        m.path = path;
        return m;
    }

    static M hosts(String... hosts) {
        return any().andHosts(hosts);
    }

    M andHosts(String... hosts) {
        this.hosts = List.of(hosts);
        return this;
    }

    M andPath(PathMatch path) {
        this.path = path;
        return this;
    }

    M singleLabel() {
        this.wildcard = HostWildcard.SINGLE_LABEL;
        return this;
    }

    M methods(String... methods) {
        this.methods = Set.of(methods);
        return this;
    }

    M header(String name, StringMatch match) {
        headers.add(new HeaderMatch(name, match, false));
        return this;
    }

    M withoutHeader(String name, StringMatch match) {
        headers.add(new HeaderMatch(name, match, true));
        return this;
    }

    M query(String name, StringMatch match) {
        query.add(new QueryMatch(name, match));
        return this;
    }

    RouteMatch match() {
        return new RouteMatch(hosts, wildcard, path, methods, headers, query);
    }

    Route route(String name) {
        return route(name, match());
    }

    static Route route(String name, RouteMatch match) {
        return Route.builder(name, Provenance.of("test", "routes.yaml").withRule(name)).match(match)
                .forwardTo("cluster-" + name).build();
    }

    static RouteTable<Route> table(Route... routes) throws InvalidRouteException {
        return RouteTable.compile(List.of(routes), Function.identity());
    }

    static RouteTable<Route> table(List<Route> routes) throws InvalidRouteException {
        return RouteTable.compile(routes, Function.identity());
    }

    /** The name of the route {@code table} selects, or null; asserts that {@code explain} agrees. */
    static String winner(RouteTable<Route> table, RequestFacts request) {
        Route matched = table.match(request);
        Route explained = table.explain(request).stream().filter(Explanation::matched).map(Explanation::route)
                .findFirst().orElse(null);
        if (matched != explained) {
            throw new AssertionError("index chose " + name(matched) + ", a linear scan chooses " + name(explained)
                    + " for " + request);
        }
        return name(matched);
    }

    private static String name(Route route) {
        return route == null ? null : route.name();
    }

    static StringMatch ci(StringMatch.Kind kind, String value) {
        return new StringMatch(kind, value, true);
    }

    static StringMatch sm(StringMatch.Kind kind, String value) {
        return new StringMatch(kind, value, false);
    }

    static PathMatch ignoreCase(PathMatch path) {
        return new PathMatch(path.kind(), path.value(), true);
    }

    private M() {
    }
}
