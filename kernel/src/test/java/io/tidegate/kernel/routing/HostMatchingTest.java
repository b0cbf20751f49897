package io.tidegate.kernel.routing;

import static io.tidegate.kernel.routing.M.table;
import static io.tidegate.kernel.routing.M.winner;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Route;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostMatchingTest {

    /** One route with these host patterns; does it take the request host? Checked for both wildcard meanings. */
    @ParameterizedTest(name = "{0} vs {1}: any labels {2}, single label {3}")
    @CsvSource(delimiter = '|', textBlock = """
            api.example.com              | api.example.com    | true  | true
            api.example.com              | web.example.com    | false | false
            api.example.com              | example.com        | false | false
            api.example.com              | ''                 | false | false
            API.Example.COM              | api.example.com    | true  | true
            *.example.com                | a.example.com      | true  | true
            *.example.com                | a.b.example.com    | true  | false
            *.example.com                | x.y.z.example.com  | true  | false
            *.example.com                | example.com        | false | false
            *.example.com                | aexample.com       | false | false
            *.example.com                | a.example.com.evil | false | false
            *.example.com                | .example.com       | false | false
            *.example.com                | ''                 | false | false
            *.Example.com                | a.example.com      | true  | true
            *.com                        | example.com        | true  | true
            *.com                        | a.example.com      | true  | false
            *                            | anything.at.all    | true  | true
            *                            | ''                 | true  | true
            a.example.com;*.example.com  | a.example.com      | true  | true
            a.example.com;*.example.com  | b.example.com      | true  | true
            a.example.com;*.example.com  | b.a.example.com    | true  | false
            a.com;b.com                  | b.com              | true  | true
            a.com;b.com                  | c.com              | false | false
            a.com;*                      | c.com              | true  | true
            """)
    void hostPatterns(String patterns, String host, boolean anyLabels, boolean singleLabel) throws Exception {
        String[] hosts = patterns.split(";");
        Req request = Req.of(host, "/");

        assertThat(winner(table(M.hosts(hosts).route("r")), request) != null).as("any labels").isEqualTo(anyLabels);
        assertThat(winner(table(M.hosts(hosts).singleLabel().route("r")), request) != null).as("single label")
                .isEqualTo(singleLabel);
    }

    @Test
    void noHostsMeansAnyHostIncludingNone() throws Exception {
        RouteTable<Route> table = table(M.any().route("any"));

        assertThat(winner(table, Req.of("whatever.example", "/"))).isEqualTo("any");
        assertThat(winner(table, Req.of("", "/"))).isEqualTo("any");
    }

    /** The "Hostname wildcards" table of the Kubernetes Ingress documentation, with Ingress semantics. */
    @ParameterizedTest(name = "Ingress host *.foo.com vs {0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            bar.foo.com     | true
            baz.bar.foo.com | false
            foo.com         | false
            """)
    void kubernetesHostnameWildcards(String hostHeader, boolean matches) throws Exception {
        RouteTable<Route> table = table(M.hosts("*.foo.com").singleLabel()
                .andPath(PathMatch.segmentPrefix("/")).route("ingress"));

        assertThat(winner(table, Req.of(hostHeader, "/"))).isEqualTo(matches ? "ingress" : null);
    }

    /** Host specificity does not decide: list order does, across exact, wildcard and any-host routes. */
    @ParameterizedTest(name = "order {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            exact,wildcard,any  | exact
            wildcard,exact,any  | wildcard
            any,exact,wildcard  | any
            wildcard,any,exact  | wildcard
            """)
    void listOrderDecidesBetweenExactWildcardAndAnyHost(String order, String expected) throws Exception {
        List<Route> routes = java.util.Arrays.stream(order.split(",")).map(kind -> switch (kind) {
            case "exact" -> M.hosts("a.example.com").route("exact");
            case "wildcard" -> M.hosts("*.example.com").route("wildcard");
            default -> M.any().route("any");
        }).toList();

        RouteTable<Route> table = table(routes);

        assertThat(winner(table, Req.of("a.example.com", "/"))).isEqualTo(expected);
    }

    @Test
    void laterRoutesStillServeTheHostsEarlierOnesDoNotTake() throws Exception {
        RouteTable<Route> table = table(
                M.hosts("*.example.com").singleLabel().route("one-label"),
                M.hosts("*.example.com").route("many-labels"),
                M.hosts("a.b.example.com").route("exact"));

        assertThat(winner(table, Req.of("a.example.com", "/"))).isEqualTo("one-label");
        assertThat(winner(table, Req.of("a.b.example.com", "/"))).isEqualTo("many-labels");
        assertThat(winner(table, Req.of("example.com", "/"))).isNull();
    }

    @Test
    void nestedWildcardsAreAllCandidatesAndTheEarliestWins() throws Exception {
        RouteTable<Route> table = table(
                M.hosts("*.com").route("com"),
                M.hosts("*.b.example.com").route("b"),
                M.hosts("*.example.com").route("example"));
        RouteTable<Route> reversed = table(
                M.hosts("*.example.com").route("example"),
                M.hosts("*.b.example.com").route("b"),
                M.hosts("*.com").route("com"));

        assertThat(winner(table, Req.of("a.b.example.com", "/"))).isEqualTo("com");
        assertThat(winner(reversed, Req.of("a.b.example.com", "/"))).isEqualTo("example");
        assertThat(winner(reversed, Req.of("b.example.com", "/"))).isEqualTo("example");
        assertThat(winner(reversed, Req.of("x.org", "/"))).isNull();
    }
}
