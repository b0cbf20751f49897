package io.tidegate.kernel.routing;

import static io.tidegate.kernel.routing.M.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.StringMatch;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ExplainTest {

    static Stream<Arguments> reasons() {
        return Stream.of(
                Arguments.of(M.hosts("*.foo.com"), Req.of("api.example.com", "/"),
                        "host api.example.com does not match [*.foo.com]"),
                Arguments.of(M.hosts("*.foo.com").singleLabel(), Req.of("a.bar.foo.com", "/"),
                        "host a.bar.foo.com does not match [*.foo.com] (* stands for exactly one label)"),
                Arguments.of(M.hosts("A.com", "b.com"), Req.of("", "/"), "host (none) does not match [a.com, b.com]"),
                Arguments.of(M.path(PathMatch.prefix("/api")), Req.path("/x"), "path /x is not under prefix /api"),
                Arguments.of(M.path(PathMatch.segmentPrefix("/api")), Req.path("/apix"),
                        "path /apix is not under path prefix /api (element by element)"),
                Arguments.of(M.path(PathMatch.exact("/a")), Req.path("/b"), "path /b is not /a"),
                Arguments.of(M.path(M.ignoreCase(PathMatch.exact("/a"))), Req.path("/b"), "path /b is not /a (ignoring case)"),
                Arguments.of(M.path(PathMatch.regex("/[0-9]+")), Req.path("/b"), "path /b does not match regex /[0-9]+"),
                Arguments.of(M.any().methods("POST", "GET"), Req.path("/").method("PUT"), "method PUT is not one of [GET, POST]"),
                Arguments.of(M.any().header("X-Env", StringMatch.exact("prod")), Req.path("/"), "header x-env: missing"),
                Arguments.of(M.any().header("x-env", StringMatch.exact("prod")), Req.path("/").header("x-env", "dev"),
                        "header x-env: \"dev\" does not match exact \"prod\""),
                Arguments.of(M.any().header("x-env", StringMatch.exact("prod")), Req.path("/").header("x-env", "a", "b"),
                        "header x-env: [a, b] does not match exact \"prod\""),
                Arguments.of(M.any().withoutHeader("x-env", StringMatch.exact("prod")), Req.path("/").header("x-env", "prod"),
                        "header x-env: \"prod\" matches exact \"prod\", expected no match"),
                Arguments.of(M.any().header(":method", StringMatch.exact("GET")), Req.path("/").method("PUT"),
                        "header :method: \"PUT\" does not match exact \"GET\""),
                Arguments.of(M.any().query("v", StringMatch.exact("2")), Req.path("/"), "query parameter v: missing"),
                Arguments.of(M.any().query("v", StringMatch.exact("2")), Req.path("/").query("v", "1"),
                        "query parameter v: \"1\" does not match exact \"2\""));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource
    void reasons(M match, Req request, String reason) throws Exception {
        List<Explanation<Route>> explanations = table(match.route("r")).explain(request);

        assertThat(explanations).singleElement().satisfies(e -> {
            assertThat(e.matched()).isFalse();
            assertThat(e.reason()).isEqualTo(reason);
        });
    }

    @Test
    void conditionsAreReportedInOrderHostPathMethodHeadersQuery() throws Exception {
        M match = M.hosts("a.com").andPath(PathMatch.exact("/a")).methods("POST").header("x", StringMatch.present());
        RouteTable<Route> table = table(match.route("r"));

        assertThat(table.explain(Req.of("b.com", "/b").method("GET")).get(0).reason()).startsWith("host ");
        assertThat(table.explain(Req.of("a.com", "/b").method("GET")).get(0).reason()).startsWith("path ");
        assertThat(table.explain(Req.of("a.com", "/a").method("GET")).get(0).reason()).startsWith("method ");
        assertThat(table.explain(Req.of("a.com", "/a").method("POST")).get(0).reason()).startsWith("header ");
    }

    @Test
    void listsEveryRouteInOrderAndNamesTheOneThatWins() throws Exception {
        RouteTable<Route> table = table(
                M.path(PathMatch.prefix("/admin")).route("admin"),
                M.path(PathMatch.prefix("/api")).route("api"),
                M.path(PathMatch.prefix("/")).route("catch-all"));

        assertThat(table.explain(Req.path("/api/v1")))
                .extracting(e -> e.route().name(), Explanation::matched, Explanation::reason)
                .containsExactly(
                        tuple("admin", false, "path /api/v1 is not under prefix /admin"),
                        tuple("api", true, "matched"),
                        tuple("catch-all", true, "matched, but route api comes first"));
    }

    @Test
    void emptyTableExplainsNothing() {
        assertThat(RouteTable.<Route>empty().explain(Req.path("/"))).isEmpty();
    }
}
