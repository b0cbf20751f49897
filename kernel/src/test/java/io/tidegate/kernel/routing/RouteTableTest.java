package io.tidegate.kernel.routing;

import static io.tidegate.kernel.routing.M.table;
import static io.tidegate.kernel.routing.M.winner;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.StringMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RouteTableTest {

    /** What the engine will route to: a route with whatever it resolved for it. */
    record Payload(String cluster, Route route) {
    }

    @Test
    void routesPayloadsInTheGivenOrder() throws Exception {
        Payload api = new Payload("api", M.path(PathMatch.prefix("/api")).route("api"));
        Payload web = new Payload("web", M.any().route("web"));

        RouteTable<Payload> table = RouteTable.compile(List.of(api, web), Payload::route);

        assertThat(table.routes()).containsExactly(api, web);
        assertThat(table.match(Req.path("/api/x"))).isSameAs(api);
        assertThat(table.match(Req.path("/x"))).isSameAs(web);
    }

    @Test
    void emptyTableMatchesNothing() throws Exception {
        assertThat(RouteTable.<Payload>empty().match(Req.path("/"))).isNull();
        assertThat(RouteTable.EMPTY.routes()).isEmpty();
        assertThat(RouteTable.<Payload>empty()).isSameAs(RouteTable.EMPTY);
        assertThat(RouteTable.compile(List.<Payload>of(), Payload::route).match(Req.path("/"))).isNull();
    }

    @Test
    void noRouteMatchesGivesNull() throws Exception {
        RouteTable<Route> table = table(M.hosts("a.com").andPath(PathMatch.exact("/x")).route("r"));

        assertThat(table.match(Req.of("a.com", "/y"))).isNull();
        assertThat(table.match(Req.of("b.com", "/x"))).isNull();
    }

    /** Every order of five routes, one per index structure, all matching the same request: the first wins. */
    static Stream<Arguments> everyOrderOfIndexStructures() {
        List<Route> kinds = List.of(
                M.hosts("api.example.com").andPath(PathMatch.exact("/api/v1")).route("exact"),
                M.hosts("*.example.com").andPath(PathMatch.prefix("/ap")).route("prefix"),
                M.path(PathMatch.segmentPrefix("/api")).route("segment"),
                M.hosts("api.example.com").andPath(PathMatch.regex("/api/v[0-9]")).route("regex"),
                M.any().route("no-path"),
                M.path(M.ignoreCase(PathMatch.prefix("/API"))).route("folded"));
        List<Arguments> orders = new ArrayList<>();
        permute(new ArrayList<>(kinds), 0, orders);
        return orders.stream();
    }

    private static void permute(List<Route> routes, int from, List<Arguments> out) {
        if (from == routes.size()) {
            out.add(Arguments.of(List.copyOf(routes)));
            return;
        }
        for (int i = from; i < routes.size(); i++) {
            java.util.Collections.swap(routes, from, i);
            permute(routes, from + 1, out);
            java.util.Collections.swap(routes, from, i);
        }
    }

    @ParameterizedTest
    @MethodSource
    void everyOrderOfIndexStructures(List<Route> routes) throws Exception {
        RouteTable<Route> table = table(routes);

        assertThat(winner(table, Req.of("api.example.com", "/api/v1"))).isEqualTo(routes.get(0).name());
    }

    @Test
    void shorterPrefixFirstInListWinsOverLongerOne() throws Exception {
        RouteTable<Route> shortFirst = table(M.path(PathMatch.prefix("/a")).route("a"),
                M.path(PathMatch.prefix("/api")).route("api"));
        RouteTable<Route> longFirst = table(M.path(PathMatch.prefix("/api")).route("api"),
                M.path(PathMatch.prefix("/a")).route("a"));

        assertThat(winner(shortFirst, Req.path("/api/x"))).isEqualTo("a");
        assertThat(winner(longFirst, Req.path("/api/x"))).isEqualTo("api");
        assertThat(winner(longFirst, Req.path("/ab"))).isEqualTo("a");
    }

    @Test
    void aRouteWithSeveralHostsIsFoundThroughEach() throws Exception {
        RouteTable<Route> table = table(
                M.hosts("a.example.com", "*.example.com", "A.EXAMPLE.COM").andPath(PathMatch.exact("/x"))
                        .header("x-canary", StringMatch.present()).route("canary"),
                M.hosts("*.example.com", "other.org").route("stable"));

        assertThat(winner(table, Req.of("a.example.com", "/x").header("x-canary", "1"))).isEqualTo("canary");
        assertThat(winner(table, Req.of("b.example.com", "/x").header("x-canary", "1"))).isEqualTo("canary");
        assertThat(winner(table, Req.of("a.example.com", "/x"))).isEqualTo("stable");
        assertThat(winner(table, Req.of("other.org", "/x"))).isEqualTo("stable");
        assertThat(winner(table, Req.of("example.com", "/x"))).isNull();
    }

    @Test
    void requestWithoutHostOnlyMeetsAnyHostRoutes() throws Exception {
        RouteTable<Route> table = table(M.hosts("*.com").route("com"), M.hosts("*").route("star"));

        assertThat(winner(table, Req.of("", "/"))).isEqualTo("star");
    }

    /**
     * 10,000 hosts with three routes each (exact, segment prefix, character prefix), a wildcard and a catch-all:
     * compiles (in well under a second here) and every lookup lands on the route a linear scan would pick.
     */
    @Test
    void tenThousandHosts() throws Exception {
        int hosts = 10_000;
        List<Route> routes = new ArrayList<>(hosts * 3 + 2);
        for (int i = 0; i < hosts; i++) {
            String host = "svc" + i + ".ns.example.com";
            routes.add(M.hosts(host).andPath(PathMatch.exact("/health")).route(i + "-exact"));
            routes.add(M.hosts(host).andPath(PathMatch.segmentPrefix("/api/v" + (i % 3))).route(i + "-segment"));
            routes.add(M.hosts(host).andPath(PathMatch.prefix("/")).methods("GET").route(i + "-prefix"));
        }
        routes.add(M.hosts("*.ns.example.com").route("wildcard"));
        routes.add(M.any().route("catch-all"));

        RouteTable<Route> table = table(routes);

        assertThat(table.routes()).hasSize(hosts * 3 + 2);
        for (int i = 0; i < hosts; i += 7) {
            String host = "svc" + i + ".ns.example.com";
            assertThat(table.match(Req.of(host, "/health")).name()).isEqualTo(i + "-exact");
            assertThat(table.match(Req.of(host, "/api/v" + (i % 3) + "/users")).name()).isEqualTo(i + "-segment");
            assertThat(table.match(Req.of(host, "/api/v" + ((i + 1) % 3))).name()).isEqualTo(i + "-prefix");
            assertThat(table.match(Req.of(host, "/health").method("POST")).name()).isEqualTo(i + "-exact");
            assertThat(table.match(Req.of(host, "/other").method("POST")).name()).isEqualTo("wildcard");
        }
        assertThat(table.match(Req.of("svc10000.ns.example.com", "/health")).name()).isEqualTo("wildcard");
        assertThat(table.match(Req.of("svc1.other.example.com", "/health")).name()).isEqualTo("catch-all");
    }
}
