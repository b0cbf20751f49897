package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.PrometheusText;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.OutlierDetection;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.RetryPolicy;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteMatch;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code /metrics} after real traffic: every family of the metrics reference (docs/engine.md, "Metrics") with
 * its labels, read by a strict parser of the Prometheus text format 0.0.4.
 */
@ExtendWith(NoLeaks.class)
class MetricsExpositionTest {

    private static final Provenance ORIGIN = Provenance.of("test", "MetricsExpositionTest");
    /** A route name with the characters label values must escape. */
    private static final String ODD_ROUTE = "we\"ird\\route";

    private static Route route(String name, String host, String cluster, RetryPolicy retries) {
        return Route.builder(name, ORIGIN.withRule(name))
                .match(RouteMatch.hostsAndPath(List.of(host), PathMatch.segmentPrefix("/")))
                .forwardTo(cluster).retries(retries).build();
    }

    private static int get(EngineHarness gateway, String host, String path) throws Exception {
        return RawHttp.status(RawHttp.exchange(gateway.port(), "GET " + path + " HTTP/1.1\r\nHost: " + host
                + "\r\nConnection: close\r\n\r\n", 5000));
    }

    @Test
    void everyFamilyWithItsLabelsAfterTraffic() throws Exception {
        try (TestUpstream ok = TestUpstream.start("ok"); TestUpstream flaky = TestUpstream.start("flaky");
             EngineHarness gateway = EngineHarness.start()) {
            flaky.failWith(503);
            Cluster bad = new Cluster("bad", List.of(Endpoint.of("127.0.0.1", flaky.port())),
                    Cluster.Resolution.STATIC, Cluster.UpstreamProtocol.HTTP1, LoadBalancer.ROUND_ROBIN, null, null,
                    ConnectionLimits.UNLIMITED,
                    new OutlierDetection(2, 0, Duration.ofSeconds(10), Duration.ofSeconds(30), 100), null, null,
                    ORIGIN.withRule("bad"));
            gateway.publish(Fragment.of(List.of(route("api", "a", "svc", null), route(ODD_ROUTE, "w", "svc", null),
                            route("flaky", "f", "bad", new RetryPolicy(1, null, Set.of("5xx"), Set.of(),
                                    Duration.ofMillis(1)))),
                    List.of(Cluster.of("svc", List.of(Endpoint.of("127.0.0.1", ok.port())), ORIGIN.withRule("svc")),
                            bad)));

            for (int i = 0; i < 3; i++) {
                assertThat(get(gateway, "a", "/users/" + i)).isEqualTo(200); // three paths, one route label
            }
            assertThat(get(gateway, "w", "/")).isEqualTo(200);
            assertThat(get(gateway, "nowhere", "/")).isEqualTo(404);
            assertThat(get(gateway, "f", "/")).isEqualTo(503); // tried twice: one retry, then ejected

            // A fragment with two routes of one name is rejected whole: counted for its source.
            CountDownLatch rebuilt = new CountDownLatch(1);
            gateway.reconciler().addRebuildListener(() -> {
                if (gateway.reconciler().sources().get(0).lastError() != null) {
                    rebuilt.countDown(); // this rebuild is the rejection, not an earlier one
                }
            });
            gateway.reconciler().sink("test").publish(Fragment.of(List.of(route("dup", "a", "svc", null),
                    route("dup", "b", "svc", null)), List.of()));
            assertThat(rebuilt.await(10, TimeUnit.SECONDS)).isTrue();

            PrometheusText m = PrometheusText.parse(gateway.metrics().scrape());

            Map<String, String> api2xx = Map.of("route", "api", "cluster", "svc", "code_class", "2xx");
            assertThat(m.value("tidegate_requests_total", api2xx)).isEqualTo(3);
            assertThat(m.value("tidegate_requests_total", Map.of("route", "", "cluster", "", "code_class", "4xx")))
                    .isEqualTo(1);
            assertThat(m.value("tidegate_requests_total", Map.of("route", "flaky", "cluster", "bad", "code_class",
                    "5xx"))).isEqualTo(1);
            assertThat(m.value("tidegate_requests_total", Map.of("route", ODD_ROUTE, "cluster", "svc", "code_class",
                    "2xx"))).isEqualTo(1); // the escaped label reads back as the route's name
            assertThat(m.type("tidegate_request_duration_seconds")).isEqualTo("histogram");
            assertThat(m.value("tidegate_request_duration_seconds_count", api2xx)).isEqualTo(3);
            assertThat(m.samples("tidegate_request_duration_seconds_bucket"))
                    .allSatisfy(s -> assertThat(s.labels()).containsOnlyKeys("route", "cluster", "code_class", "le"))
                    .noneSatisfy(s -> assertThat(s.label("route")).startsWith("/")); // no path ever becomes a label
            assertThat(m.value("tidegate_request_duration_seconds_bucket", Map.of("route", "api", "cluster", "svc",
                    "code_class", "2xx", "le", "+Inf"))).isEqualTo(3);

            double opened = m.value("tidegate_upstream_connections_opened_total", Map.of("cluster", "svc"));
            assertThat(opened).isBetween(1.0, 2.0); // one per event loop at most: reused across requests
            assertThat(m.value("tidegate_upstream_connections_active", Map.of("cluster", "svc"))).isEqualTo(opened);
            assertThat(m.value("tidegate_upstream_connections_idle", Map.of("cluster", "svc"))).isEqualTo(opened);
            assertThat(m.type("tidegate_upstream_connections_idle")).isEqualTo("gauge");

            assertThat(m.value("tidegate_upstream_retries_total", Map.of("cluster", "bad"))).isEqualTo(1);
            assertThat(m.value("tidegate_outlier_ejections_total", Map.of("cluster", "bad"))).isEqualTo(1);
            assertThat(m.type("tidegate_upstream_retry_overflow_total")).isEqualTo("counter");
            assertThat(m.type("tidegate_tls_handshakes_total")).isEqualTo("counter"); // values: TlsTerminationTest
            assertThat(m.type("tidegate_upstream_tls_handshakes_total")).isEqualTo("counter");
            assertThat(m.type("tidegate_health_checks_total")).isEqualTo("counter");

            assertThat(m.value("tidegate_config_swaps_total", Map.of())).isEqualTo(1);
            assertThat(m.value("tidegate_config_rejections_total", Map.of("source", "test"))).isEqualTo(1);
            assertThat(m.value("tidegate_config_compile_seconds_count", Map.of())).isEqualTo(1);
            assertThat(m.value("tidegate_config_compile_failures_total", Map.of())).isZero();
            assertThat(m.value("tidegate_config_object_errors", Map.of("source", "test"))).isZero();
            assertThat(m.value("tidegate_config_version", Map.of())).isEqualTo(1);

            assertThat(m.value("tidegate_requests_active", Map.of())).isZero();
            assertThat(m.value("tidegate_downstream_connections_active", Map.of())).isGreaterThanOrEqualTo(0);
            assertThat(m.samples("tidegate_netty_allocator_used_bytes")).extracting(s -> s.label("memory"))
                    .containsExactlyInAnyOrder("direct", "heap");
            assertThat(m.value("tidegate_netty_direct_memory_bytes", Map.of())).isNotNegative();
            assertThat(m.value("tidegate_netty_direct_memory_max_bytes", Map.of())).isPositive();
        }
    }

    @Test
    void objectErrorsCountWhatTheLiveConfigLeftOut() throws Exception {
        try (EngineHarness gateway = EngineHarness.start()) {
            gateway.publish(Fragment.of(List.of(Route.builder("elsewhere", ORIGIN.withRule("elsewhere"))
                    .listeners(Set.of("webb")).forwardTo("svc").build()), List.of()));
            PrometheusText m = PrometheusText.parse(gateway.metrics().scrape());
            assertThat(m.value("tidegate_config_object_errors", Map.of("source", "test"))).isEqualTo(1);
        }
    }
}
