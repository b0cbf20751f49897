package io.tidegate.plugins.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.CorsPolicy;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.FaultPolicy;
import io.tidegate.spi.model.HashPolicy;
import io.tidegate.spi.model.HeaderEdits;
import io.tidegate.spi.model.HeaderMatch;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.model.HealthCheck;
import io.tidegate.spi.model.HealthStatus;
import io.tidegate.spi.model.HostWildcard;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.OutlierDetection;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.PathRewrite;
import io.tidegate.spi.model.PolicyRef;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.QueryMatch;
import io.tidegate.spi.model.RetryPolicy;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.RouteMatch;
import io.tidegate.spi.model.SocketAddress;
import io.tidegate.spi.model.StringMatch;
import io.tidegate.spi.model.Timeouts;
import io.tidegate.spi.model.WeightedCluster;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table: each valid fixture in {@code src/test/resources/fixtures/valid} and the exact model it must
 * become, with no diagnostics.
 */
class ValidFixturesTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void translatesToTheExpectedModel(String fixture, List<Route> routes, List<Cluster> clusters) {
        Translation t = Fixtures.translate("valid/" + fixture);

        assertThat(t.diagnostics()).isEmpty();
        assertThat(t.clusters()).containsExactlyElementsOf(clusters);
        assertThat(t.routes()).containsExactlyElementsOf(routes);
    }

    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of("minimal.yaml", minimalRoutes(), minimalClusters()),
                Arguments.of("full-route.yaml", fullRoute(), List.of()),
                Arguments.of("paths.yaml", paths(), List.of()),
                Arguments.of("redirect-respond.yaml", redirectRespond(), List.of()),
                Arguments.of("clusters.yaml", List.of(), clusters()),
                Arguments.of("multi-document.yaml", multiDocumentRoutes(), multiDocumentClusters()));
    }

    private static Provenance at(String fixture, String rule) {
        return new Provenance("file", "valid/" + fixture, rule);
    }

    private static List<Cluster> minimalClusters() {
        return List.of(new Cluster("backend", List.of(Endpoint.of("127.0.0.1", 9000)), Cluster.Resolution.STATIC,
                null, null, null, null, null, null, null, null, at("minimal.yaml", "clusters[0]")));
    }

    private static List<Route> minimalRoutes() {
        return List.of(Route.builder("api", at("minimal.yaml", "routes[0]")).forwardTo("backend").build());
    }

    private static List<Route> fullRoute() {
        RouteMatch match = new RouteMatch(List.of("api.example.com", "*.example.com"), HostWildcard.ANY_LABELS,
                new PathMatch(PathMatch.Kind.SEGMENT_PREFIX, "/api", true), Set.of("GET", "POST"),
                List.of(new HeaderMatch("x-env", StringMatch.exact("canary"), false),
                        new HeaderMatch("x-debug", StringMatch.present(), true),
                        new HeaderMatch("user-agent", new StringMatch(StringMatch.Kind.REGEX, ".*(curl|wget).*", true),
                                false),
                        new HeaderMatch(":method", StringMatch.prefix("P"), false),
                        new HeaderMatch("accept", new StringMatch(StringMatch.Kind.SUFFIX, "json", false), false),
                        new HeaderMatch("cookie", new StringMatch(StringMatch.Kind.CONTAINS, "session", false), false)),
                List.of(new QueryMatch("debug", StringMatch.present()), new QueryMatch("v", StringMatch.exact("2"))));
        RouteAction forward = new RouteAction.Forward(List.of(
                WeightedCluster.of("v1", 90),
                new WeightedCluster("v2", 10,
                        new HeaderEdits(List.of(new HeaderValue("x-canary", "true")), List.of(), List.of()), null),
                WeightedCluster.of("v3", 1)));
        Map<String, Object> rateLimit = new LinkedHashMap<>();
        rateLimit.put("requestsPerSecond", "10");
        rateLimit.put("burst", "20");
        return List.of(Route.builder("api", at("full-route.yaml", "routes[0]"))
                .listeners(Set.of("web", "websecure"))
                .match(match)
                .action(forward)
                .rewrite(new PathRewrite("/", null, null, null, "internal.example"))
                .requestHeaders(new HeaderEdits(List.of(new HeaderValue("x-a", "b")),
                        List.of(new HeaderValue("x-b", "c")), List.of("x-c")))
                .responseHeaders(new HeaderEdits(List.of(new HeaderValue("cache-control", "no-store")), List.of(),
                        List.of("server")))
                .timeouts(new Timeouts(Duration.ofSeconds(30), Duration.ofSeconds(90)))
                .addMirror(new io.tidegate.spi.model.MirrorPolicy("shadow", 100))
                .addMirror(new io.tidegate.spi.model.MirrorPolicy("canary", 12.5))
                .maxRequestBodyBytes(10L * 1024 * 1024)
                .addPolicy(new PolicyRef("rate-limit", ConfigNode.fromObject(rateLimit, "x")))
                .addPolicy(new PolicyRef("basic-auth", ConfigNode.fromObject(Map.of(), "x")))
                .metadata(Map.of("team", "payments", "tier", "1"))
                .cors(new CorsPolicy(List.of(StringMatch.exact("https://app.example.com"),
                        StringMatch.prefix("https://preview-"), StringMatch.regex("https://[a-z]+\\.example\\.com")),
                        List.of("GET", "POST"), List.of("content-type"), List.of("x-trace"), Duration.ofHours(1), true))
                .fault(new FaultPolicy(Duration.ofSeconds(2), 10, 503, 100))
                .retries(new RetryPolicy(2, Duration.ofSeconds(1),
                        Set.of("5xx", "connect-failure", "retriable-status-codes"), Set.of(409), Duration.ofMillis(50)))
                .build());
    }

    private static List<Route> paths() {
        String f = "paths.yaml";
        return List.of(
                Route.builder("exact", at(f, "routes[0]")).match(RouteMatch.path(PathMatch.exact("/healthz")))
                        .action(new RouteAction.DirectResponse(204, "", List.of())).build(),
                Route.builder("segment-prefix", at(f, "routes[1]"))
                        .match(RouteMatch.path(PathMatch.segmentPrefix("/static/"))).forwardTo("files").build(),
                Route.builder("plain-prefix", at(f, "routes[2]"))
                        .match(RouteMatch.path(new PathMatch(PathMatch.Kind.PREFIX, "/img", true)))
                        .forwardTo("files").build(),
                Route.builder("regex", at(f, "routes[3]"))
                        .match(RouteMatch.path(PathMatch.regex("/v[0-9]+/(?P<rest>.*)"))).forwardTo("api")
                        .rewrite(new PathRewrite(null, null, "^/v1/(.*)", "/\\1", null)).build(),
                Route.builder("full-path", at(f, "routes[4]")).match(RouteMatch.path(PathMatch.exact("/old")))
                        .forwardTo("api").rewrite(new PathRewrite(null, "/new", null, null, null)).build(),
                Route.builder("any", at(f, "routes[5]")).forwardTo("api").build());
    }

    private static List<Route> redirectRespond() {
        String f = "redirect-respond.yaml";
        return List.of(
                Route.builder("to-https", at(f, "routes[0]")).listeners(Set.of("web"))
                        .action(new RouteAction.Redirect("https", null, null, null, null, 301, false)).build(),
                Route.builder("moved", at(f, "routes[1]")).match(RouteMatch.path(PathMatch.segmentPrefix("/old")))
                        .action(new RouteAction.Redirect(null, "new.example.com", 8443, null, "/new", 308, true))
                        .build(),
                Route.builder("moved-page", at(f, "routes[2]"))
                        .action(new RouteAction.Redirect(null, null, null, "/index.html", null, 302, false)).build(),
                Route.builder("hello", at(f, "routes[3]"))
                        .action(new RouteAction.DirectResponse(200, "ok\n",
                                List.of(new HeaderValue("content-type", "text/plain")))).build(),
                Route.builder("empty", at(f, "routes[4]"))
                        .action(new RouteAction.DirectResponse(200, "", List.of())).build());
    }

    private static List<Cluster> clusters() {
        String f = "clusters.yaml";
        return List.of(
                new Cluster("static-map-form", List.of(
                        Endpoint.of("10.0.0.1", 8080),
                        new Endpoint(new SocketAddress("10.0.0.2", 8080), 3, Map.of("version", "v2", "zone", "a"),
                                HealthStatus.DRAINING),
                        new Endpoint(new SocketAddress("2001:db8::1", 8080), 1, Map.of(), HealthStatus.UNHEALTHY)),
                        Cluster.Resolution.STATIC, Cluster.UpstreamProtocol.HTTP2,
                        new LoadBalancer(LoadBalancer.Policy.LEAST_REQUEST, List.of()), Duration.ofSeconds(2),
                        Duration.ofSeconds(60), new ConnectionLimits(100, 10, 1000, 3, 500), null, null, null,
                        at(f, "clusters[0]")),
                new Cluster("httpbin.default.svc.cluster.local:8000", List.of(
                        Endpoint.of("httpbin.default.svc.cluster.local", 8000), Endpoint.of("10.0.0.9", 8000)),
                        Cluster.Resolution.DNS, null, new LoadBalancer(LoadBalancer.Policy.RANDOM, List.of()),
                        null, null, null, null, null, null, at(f, "clusters[1]")),
                new Cluster("forced-dns", List.of(Endpoint.of("10.0.0.1", 80)), Cluster.Resolution.DNS, null, null,
                        null, null, null, null, null, null, at(f, "clusters[2]")),
                new Cluster("sticky", List.of(Endpoint.of("10.0.0.1", 80), Endpoint.of("10.0.0.2", 80)),
                        Cluster.Resolution.STATIC, null, new LoadBalancer(LoadBalancer.Policy.RING_HASH, List.of(
                                new HashPolicy(HashPolicy.Kind.HEADER, "x-user-id", null, null),
                                new HashPolicy(HashPolicy.Kind.COOKIE, "route", Duration.ofHours(1), "/app"),
                                new HashPolicy(HashPolicy.Kind.COOKIE, "session", Duration.ZERO, null),
                                new HashPolicy(HashPolicy.Kind.COOKIE, "legacy", null, null),
                                new HashPolicy(HashPolicy.Kind.SOURCE_IP, null, null, null),
                                new HashPolicy(HashPolicy.Kind.QUERY_PARAMETER, "user", null, null))),
                        null, null, null, null, null, null, at(f, "clusters[3]")),
                new Cluster("maglev", List.of(Endpoint.of("10.0.0.1", 80)), Cluster.Resolution.STATIC, null,
                        new LoadBalancer(LoadBalancer.Policy.MAGLEV, List.of()), null, null, null, null, null, null,
                        at(f, "clusters[4]")),
                new Cluster("checked", List.of(Endpoint.of("10.0.0.1", 80), Endpoint.of("10.0.0.2", 80)),
                        Cluster.Resolution.STATIC, null, null, null, null, null,
                        new OutlierDetection(3, 2, Duration.ofSeconds(5), Duration.ofSeconds(10), 50),
                        new HealthCheck(HealthCheck.Kind.HTTP, "/healthz", "app.internal", Set.of(200, 204),
                                Duration.ofSeconds(5), Duration.ofSeconds(1), 1, 2), null, at(f, "clusters[5]")),
                new Cluster("checked-defaults", List.of(Endpoint.of("10.0.0.1", 5432)), Cluster.Resolution.STATIC,
                        null, null, null, null, null,
                        new OutlierDetection(5, 0, Duration.ofSeconds(10), Duration.ofSeconds(30), 10),
                        new HealthCheck(HealthCheck.Kind.TCP, null, null, Set.of(), Duration.ofSeconds(10),
                                Duration.ofSeconds(2), 2, 3), null, at(f, "clusters[6]")));
    }

    private static List<Cluster> multiDocumentClusters() {
        String f = "multi-document.yaml";
        return List.of(
                Cluster.of("one", List.of(Endpoint.of("127.0.0.1", 9001)), at(f, "clusters[0]")),
                Cluster.of("two", List.of(Endpoint.of("127.0.0.1", 9002)), at(f, "documents[1].clusters[0]")));
    }

    private static List<Route> multiDocumentRoutes() {
        return List.of(Route.builder("first-of-second-document", at("multi-document.yaml", "documents[1].routes[0]"))
                .forwardTo("one").build());
    }
}
