package io.tidegate.kernel.routing;

import static io.tidegate.kernel.routing.M.ignoreCase;
import static io.tidegate.kernel.routing.M.table;
import static io.tidegate.kernel.routing.M.winner;
import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Route;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PathMatchingTest {

    /** An Ingress path type as the Kubernetes source translates it. */
    private static PathMatch ingress(String type, String path) {
        return switch (type) {
            case "Exact" -> PathMatch.exact(path);
            case "Prefix" -> PathMatch.segmentPrefix(path);
            default -> throw new IllegalArgumentException(type);
        };
    }

    private static boolean matches(PathMatch path, String requestPath) throws Exception {
        return winner(table(M.path(path).route("r")), Req.path(requestPath)) != null;
    }

    /** https://kubernetes.io/docs/concepts/services-networking/ingress/#examples, single-path rows. */
    @ParameterizedTest(name = "{0} {1} vs {2}: {3}")
    @CsvSource(delimiter = '|', textBlock = """
            Exact  | /foo      | /foo         | true
            Exact  | /foo      | /bar         | false
            Exact  | /foo      | /foo/        | false
            Exact  | /foo/     | /foo         | false
            Prefix | /foo      | /foo         | true
            Prefix | /foo      | /foo/        | true
            Prefix | /foo/     | /foo         | true
            Prefix | /foo/     | /foo/        | true
            Prefix | /aaa/bb   | /aaa/bbb     | false
            Prefix | /aaa/bbb  | /aaa/bbb     | true
            Prefix | /aaa/bbb/ | /aaa/bbb     | true
            Prefix | /aaa/bbb  | /aaa/bbb/    | true
            Prefix | /aaa/bbb  | /aaa/bbb/ccc | true
            Prefix | /aaa/bbb  | /aaa/bbbxyz  | false
            Prefix | /aaa      | /ccc         | false
            """)
    void kubernetesIngressExamples(String type, String path, String request, boolean expected) throws Exception {
        assertThat(matches(ingress(type, path), request)).isEqualTo(expected);
    }

    /** The Ingress examples row: Prefix "/" matches all paths. */
    @ParameterizedTest
    @ValueSource(strings = {"/", "/foo", "/foo/", "/aaa/bbb/ccc", "//", "//x", "/%2e", "/a b"})
    void kubernetesPrefixRootMatchesAllPaths(String request) throws Exception {
        assertThat(matches(PathMatch.segmentPrefix("/"), request)).isTrue();
    }

    /**
     * The multi-path rows of the Ingress examples. The Ingress source sorts longest path first and Exact before
     * Prefix; the routes here are given in that order, and then reversed to show that list order decides.
     */
    @ParameterizedTest(name = "{0} vs {1} -> {2}; reversed -> {3}")
    @CsvSource(delimiter = '|', textBlock = """
            Prefix:/aaa;Prefix:/                   | /aaa/ccc | Prefix:/aaa     | Prefix:/
            Prefix:/aaa/bbb;Prefix:/aaa;Prefix:/   | /aaa/bbb | Prefix:/aaa/bbb | Prefix:/
            Prefix:/aaa/bbb;Prefix:/aaa;Prefix:/   | /ccc     | Prefix:/        | Prefix:/
            Exact:/foo;Prefix:/foo                 | /foo     | Exact:/foo      | Prefix:/foo
            """)
    void kubernetesIngressPrecedenceExamples(String sorted, String request, String expected, String expectedReversed)
            throws Exception {
        List<Route> routes = Arrays.stream(sorted.split(";"))
                .map(spec -> M.path(ingress(spec.split(":")[0], spec.split(":")[1])).route(spec)).toList();
        List<Route> reversed = new java.util.ArrayList<>(routes);
        java.util.Collections.reverse(reversed);

        assertThat(winner(table(routes), Req.path(request))).isEqualTo(expected);
        assertThat(winner(table(reversed), Req.path(request))).isEqualTo(expectedReversed);
    }

    /** Envoy and Istio prefix: character by character, so /api matches /apix. */
    @ParameterizedTest(name = "prefix {0} vs {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            /api   | /api        | true
            /api   | /apix       | true
            /api   | /api/v1     | true
            /api   | /ap         | false
            /api   | /API        | false
            /api/  | /api        | false
            /api/  | /api/       | true
            /      | /anything   | true
            /a/b   | /a/bc/d     | true
            /a/b   | /a/c        | false
            """)
    void characterPrefix(String prefix, String request, boolean expected) throws Exception {
        assertThat(matches(PathMatch.prefix(prefix), request)).isEqualTo(expected);
    }

    /**
     * Segment prefixes keep empty segments, except a single trailing one from a trailing slash: {@code /a//b}
     * is [a, "", b], so it matches under {@code /a//} but not under {@code /a/b}.
     */
    @ParameterizedTest(name = "segment prefix {0} vs {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            /a/b   | /a//b     | false
            /a//b  | /a//b     | true
            /a//b  | /a//b/c   | true
            /a//b  | /a/b      | false
            /a//   | /a//      | true
            /a//   | /a//x     | true
            /a//   | /a/       | false
            /a//   | /a/x      | false
            //     | //        | true
            //     | //x       | true
            //     | /x        | false
            /a     | /a//      | true
            /a/    | /a//x     | true
            """)
    void emptySegments(String prefix, String request, boolean expected) throws Exception {
        assertThat(matches(PathMatch.segmentPrefix(prefix), request)).isEqualTo(expected);
    }

    /** Regex paths must match the whole path (RE2, anchored at both ends). */
    @ParameterizedTest(name = "regex {0} vs {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            /users/[0-9]+        | /users/42        | true
            /users/[0-9]+        | /users/42/posts  | false
            /users/[0-9]+        | /v1/users/42     | false
            /users/[0-9]+.*      | /users/42/posts  | true
            '.*\\.(png|jpg)'     | /img/a.png       | true
            '.*\\.(png|jpg)'     | /img/a.png.html  | false
            /[a-z]+              | /ABC             | false
            ''                   | /                | false
            """)
    void regexMatchesTheWholePath(String regex, String request, boolean expected) throws Exception {
        assertThat(matches(PathMatch.regex(regex), request)).isEqualTo(expected);
    }

    /** Istio ignoreUriCase, for every path kind. */
    @ParameterizedTest(name = "{0} {1} ignoring case vs {2}: {3}")
    @CsvSource(delimiter = '|', textBlock = """
            EXACT          | /Foo/Bar  | /foo/bar    | true
            EXACT          | /foo/bar  | /FOO/BAR    | true
            EXACT          | /foo/bar  | /FOO/BAR/   | false
            PREFIX         | /API      | /api/v1     | true
            PREFIX         | /api      | /ApIx       | true
            PREFIX         | /api      | /ap         | false
            SEGMENT_PREFIX | /Api      | /API/v1     | true
            SEGMENT_PREFIX | /api      | /APIX       | false
            REGEX          | /users/[a-z]+ | /USERS/Bob | true
            REGEX          | /users/[a-z]+ | /USERS/42  | false
            EXACT          | /ÄPFEL    | /äpfel      | true
            """)
    void ignoreCaseForEveryKind(PathMatch.Kind kind, String value, String request, boolean expected) throws Exception {
        PathMatch path = new PathMatch(kind, value, true);

        assertThat(matches(path, request)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} {1} case-sensitive vs {2}")
    @CsvSource(delimiter = '|', textBlock = """
            EXACT          | /foo   | /FOO
            PREFIX         | /api   | /API/v1
            SEGMENT_PREFIX | /api   | /Api
            REGEX          | /[a-z]+ | /ABC
            """)
    void caseSensitiveByDefault(PathMatch.Kind kind, String value, String request) throws Exception {
        assertThat(matches(new PathMatch(kind, value, false), request)).isFalse();
    }

    @ParameterizedTest(name = "request {0}")
    @CsvSource(delimiter = '|', textBlock = """
            /Api/Users | folded
            /api/users | exact
            /API/x     | folded-prefix
            /api/x     | prefix
            """)
    void caseSensitiveAndInsensitiveRoutesCoexist(String request, String expected) throws Exception {
        RouteTable<Route> table = table(
                M.path(PathMatch.exact("/api/users")).route("exact"),
                M.path(ignoreCase(PathMatch.exact("/API/USERS"))).route("folded"),
                M.path(PathMatch.prefix("/api/")).route("prefix"),
                M.path(ignoreCase(PathMatch.segmentPrefix("/api"))).route("folded-prefix"));

        assertThat(winner(table, Req.path(request))).isEqualTo(expected);
    }
}
