package io.tidegate.kernel.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.StringMatch;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ValidationTest {

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(M.path(PathMatch.regex("/users/(")), "match.path.regex", "\"/users/(\" (expected: RE2 syntax"),
                Arguments.of(M.path(PathMatch.regex("(a)\\1")), "match.path.regex", "expected: RE2 syntax"),
                Arguments.of(M.path(PathMatch.exact("foo")), "match.path.value", "\"foo\" (expected: starts with /)"),
                Arguments.of(M.path(PathMatch.prefix("api/")), "match.path.value", "(expected: starts with /)"),
                Arguments.of(M.path(PathMatch.segmentPrefix("")), "match.path.value", "\"\" (expected: starts with /)"),
                Arguments.of(M.any().header("x-ok", StringMatch.exact("1")).header("x-bad", StringMatch.regex("[a-")),
                        "match.headers[1].regex", "\"[a-\" (expected: RE2 syntax"),
                Arguments.of(M.any().header("", StringMatch.present()), "match.headers[0].name", "expected: a header name"),
                Arguments.of(M.any().header(":status", StringMatch.present()), "match.headers[0].name",
                        ":method, :scheme, :authority, :path"),
                Arguments.of(M.any().query("v", StringMatch.regex("*")), "match.queryParams[0].regex", "RE2 syntax"),
                Arguments.of(M.any().query("", StringMatch.present()), "match.queryParams[0].name", "a parameter name"),
                Arguments.of(M.any().methods(" "), "match.methods", "expected: a method name"),
                Arguments.of(M.hosts("ok.com", "a*.b.com"), "match.hosts[1]", "* only as the whole first label"),
                Arguments.of(M.hosts("*b.com"), "match.hosts[0]", "* only as the whole first label"),
                Arguments.of(M.hosts("foo.*.com"), "match.hosts[0]", "* only as the whole first label"),
                Arguments.of(M.hosts("*.*.com"), "match.hosts[0]", "* only as the whole first label"),
                Arguments.of(M.hosts("**.com"), "match.hosts[0]", "* only as the whole first label"),
                Arguments.of(M.hosts("foo.com*"), "match.hosts[0]", "* only as the whole first label"),
                Arguments.of(M.hosts(""), "match.hosts[0]", "\"\" (expected: a host name, *.suffix or *)"),
                Arguments.of(M.hosts("*."), "match.hosts[0]", "no empty labels"),
                Arguments.of(M.hosts("a..com"), "match.hosts[0]", "no empty labels"),
                Arguments.of(M.hosts(".a.com"), "match.hosts[0]", "no empty labels"),
                Arguments.of(M.hosts("a.com."), "match.hosts[0]", "no empty labels"),
                Arguments.of(M.hosts("a b.com"), "match.hosts[0]", "without spaces"),
                Arguments.of(M.hosts("a.com/x"), "match.hosts[0]", "without spaces"));
    }

    @ParameterizedTest(name = "{1}: {2}")
    @MethodSource
    void invalid(M match, String field, String message) {
        Route bad = match.route("bad");

        assertThatThrownBy(() -> M.table(M.any().route("good"), bad))
                .isInstanceOfSatisfying(InvalidRouteException.class, e -> {
                    assertThat(e.route()).isSameAs(bad);
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.getMessage()).startsWith("route bad (test:routes.yaml#bad): " + field + ": ")
                            .contains(message);
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"API.Example.COM", "*", "*.com", "*.Example.com", "localhost", "10.0.0.1", "xn--bcher-kva.example"})
    void acceptedHosts(String host) throws Exception {
        RouteTable<Route> table = M.table(M.hosts(host).route("r"));

        assertThat(table.routes()).hasSize(1);
    }

    @Test
    void upperCaseHostsAreLowerCased() throws Exception {
        RouteTable<Route> table = M.table(M.hosts("API.Example.COM").route("r"));

        assertThat(M.winner(table, Req.of("api.example.com", "/"))).isEqualTo("r");
    }

    @Test
    void reportsTheFirstInvalidRouteInOrder() {
        Route first = M.hosts("a*.com").route("first");
        Route second = M.path(PathMatch.regex("(")).route("second");

        assertThatThrownBy(() -> M.table(first, second))
                .isInstanceOfSatisfying(InvalidRouteException.class, e -> assertThat(e.route()).isSameAs(first));
    }

    @Test
    void nullArgumentsAreRefusedByName() {
        assertThatThrownBy(() -> RouteTable.compile(null, Function.<Route>identity()))
                .isInstanceOf(NullPointerException.class).hasMessage("routes");
        assertThatThrownBy(() -> RouteTable.compile(List.<Route>of(), null))
                .isInstanceOf(NullPointerException.class).hasMessage("routeOf");
        assertThatThrownBy(() -> RouteTable.compile(List.of("x"), s -> null))
                .isInstanceOf(NullPointerException.class).hasMessage("route of routes[0]");
    }
}
