package io.tidegate.kernel.routing;

import static io.tidegate.kernel.routing.M.ci;
import static io.tidegate.kernel.routing.M.sm;
import static io.tidegate.kernel.routing.M.table;
import static io.tidegate.kernel.routing.M.winner;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.model.StringMatch;
import io.tidegate.spi.model.StringMatch.Kind;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ConditionsTest {

    private static boolean matches(M match, Req request) throws Exception {
        return winner(table(match.route("r")), request) != null;
    }

    @ParameterizedTest(name = "methods [{0}] vs {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            GET;HEAD | GET    | true
            GET;HEAD | HEAD   | true
            GET;HEAD | POST   | false
            get      | GET    | true
            PURGE    | PURGE  | true
            ''       | DELETE | true
            """)
    void methods(String methods, String method, boolean expected) throws Exception {
        M match = methods.isEmpty() ? M.any() : M.any().methods(methods.split(";"));

        assertThat(matches(match, Req.path("/").method(method))).isEqualTo(expected);
    }

    static Stream<Arguments> headers() {
        return Stream.of(
                // name, match, invert, request header values (null: absent), expected
                Arguments.of("x-env", StringMatch.exact("prod"), false, new String[] {"prod"}, true),
                Arguments.of("x-env", StringMatch.exact("prod"), false, new String[] {"staging"}, false),
                Arguments.of("x-env", StringMatch.exact("prod"), false, null, false),
                Arguments.of("X-Env", StringMatch.exact("prod"), false, new String[] {"prod"}, true),
                Arguments.of("x-env", StringMatch.exact("prod"), false, new String[] {"staging", "prod"}, true),
                Arguments.of("x-env", StringMatch.exact("prod"), false, new String[] {"PROD"}, false),
                Arguments.of("x-env", ci(Kind.EXACT, "prod"), false, new String[] {"PROD"}, true),
                Arguments.of("x-env", StringMatch.present(), false, new String[] {"anything"}, true),
                Arguments.of("x-env", StringMatch.present(), false, new String[] {""}, true),
                Arguments.of("x-env", StringMatch.present(), false, null, false),
                Arguments.of("x-env", StringMatch.prefix("pr"), false, new String[] {"prod"}, true),
                Arguments.of("x-env", sm(Kind.SUFFIX, "od"), false, new String[] {"prod"}, true),
                Arguments.of("x-env", sm(Kind.CONTAINS, "ro"), false, new String[] {"prod"}, true),
                Arguments.of("x-env", sm(Kind.CONTAINS, "xx"), false, new String[] {"prod"}, false),
                Arguments.of("user-agent", StringMatch.regex(".*Mobile.*"), false, new String[] {"Foo Mobile/1"}, true),
                Arguments.of("user-agent", StringMatch.regex("Mobile"), false, new String[] {"Foo Mobile/1"}, false),
                // inverted (Istio withoutHeaders): the route matches when the condition does not hold
                Arguments.of("x-env", StringMatch.exact("prod"), true, null, true),
                Arguments.of("x-env", StringMatch.exact("prod"), true, new String[] {"staging"}, true),
                Arguments.of("x-env", StringMatch.exact("prod"), true, new String[] {"prod"}, false),
                Arguments.of("x-env", StringMatch.exact("prod"), true, new String[] {"staging", "prod"}, false),
                Arguments.of("x-env", StringMatch.present(), true, null, true),
                Arguments.of("x-env", StringMatch.present(), true, new String[] {""}, false),
                // pseudo-headers read from the request facts
                Arguments.of(":method", StringMatch.exact("POST"), false, null, true),
                Arguments.of(":method", StringMatch.exact("GET"), false, null, false),
                Arguments.of(":Method", StringMatch.exact("POST"), false, null, true),
                Arguments.of(":scheme", StringMatch.exact("https"), false, null, true),
                Arguments.of(":authority", StringMatch.exact("api.example.com:8443"), false, null, true),
                Arguments.of(":authority", StringMatch.exact("api.example.com"), false, null, false),
                Arguments.of(":path", StringMatch.prefix("/v1/"), false, null, true),
                Arguments.of(":path", StringMatch.prefix("/v1/"), true, null, false),
                Arguments.of(":method", StringMatch.present(), false, null, true));
    }

    @ParameterizedTest(name = "{0} {1} invert={2} vs {3}: {4}")
    @MethodSource
    void headers(String name, StringMatch match, boolean invert, String[] values, boolean expected) throws Exception {
        M route = invert ? M.any().withoutHeader(name, match) : M.any().header(name, match);
        Req request = Req.of("api.example.com", "/v1/users").method("POST").scheme("https")
                .authority("api.example.com:8443");
        if (values != null) {
            request.header(name, values);
        }

        assertThat(matches(route, request)).isEqualTo(expected);
    }

    @Test
    void allHeaderConditionsMustHold() throws Exception {
        M route = M.any().header("x-a", StringMatch.exact("1")).header("x-b", StringMatch.exact("2"));

        assertThat(matches(route, Req.path("/").header("x-a", "1").header("x-b", "2"))).isTrue();
        assertThat(matches(route, Req.path("/").header("x-a", "1").header("x-b", "3"))).isFalse();
        assertThat(matches(route, Req.path("/").header("x-b", "2"))).isFalse();
    }

    @ParameterizedTest(name = "query {0} {1} vs {2}={3}: {4}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            v    | EXACT   | 2     | v    | 2     | true
            v    | EXACT   | 2     | v    | 3     | false
            v    | EXACT   | 2     | w    | 2     | false
            v    | EXACT   | 2     | V    | 2     | false
            v    | PRESENT | ''    | v    | ''    | true
            v    | PRESENT | ''    | w    | ''    | false
            v    | REGEX   | [0-9]+| v    | 12    | true
            v    | REGEX   | [0-9]+| v    | 12a   | false
            v    | PREFIX  | be    | v    | beta  | true
            """)
    void query(String name, Kind kind, String operand, String param, String value, boolean expected) throws Exception {
        M route = M.any().query(name, sm(kind, operand));

        assertThat(matches(route, Req.path("/").query(param, value))).isEqualTo(expected);
    }

    @Test
    void methodHeadersAndQueryTogether() throws Exception {
        M route = M.any().methods("GET").header("x-env", StringMatch.exact("prod")).query("debug", StringMatch.present());
        Req good = Req.path("/").header("x-env", "prod").query("debug", "1");

        assertThat(matches(route, good)).isTrue();
        assertThat(matches(route, Req.path("/").header("x-env", "prod").query("debug", "1").method("PUT"))).isFalse();
        assertThat(matches(route, Req.path("/").header("x-env", "prod"))).isFalse();
    }

    @Test
    void aCandidateFailingItsConditionsGivesWayToTheNextOneInOrder() throws Exception {
        RouteTable<io.tidegate.spi.model.Route> table = table(
                M.path(io.tidegate.spi.model.PathMatch.exact("/x")).header("x-canary", StringMatch.exact("1"))
                        .route("canary"),
                M.path(io.tidegate.spi.model.PathMatch.exact("/x")).methods("POST").route("post"),
                M.path(io.tidegate.spi.model.PathMatch.exact("/x")).route("stable"));

        assertThat(winner(table, Req.path("/x").header("x-canary", "1"))).isEqualTo("canary");
        assertThat(winner(table, Req.path("/x").method("POST"))).isEqualTo("post");
        assertThat(winner(table, Req.path("/x"))).isEqualTo("stable");
    }
}
