package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import io.tidegate.kernel.testing.NoLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Circuit breakers with the rest of the engine: idle pooled connections, outlier detection, endpoint churn and
 * retries (found in review; each failed before its fix).
 */
@ExtendWith(NoLeaks.class)
class CircuitBreakerInteractionsTest {

    private static final Provenance ORIGIN = Provenance.of("test", "CircuitBreakerInteractionsTest");

    /** maxConnections=1, two endpoints, requests strictly one after another: the idle pooled connection
     * to endpoint A holds the only place, so the request picked for endpoint B waits the connect timeout and gets 503. */
    @Test
    void sequentialRequestsToTwoEndpointsUnderMaxConnectionsOne() throws Exception {
        try (EngineHarness gateway = EngineHarness.start()) {
            TestUpstream a = TestUpstream.start("a");
            TestUpstream b = TestUpstream.start("b");
            try {
                Cluster svc = new Cluster("svc", List.of(Endpoint.of("127.0.0.1", a.port()),
                        Endpoint.of("127.0.0.1", b.port())), Cluster.Resolution.STATIC,
                        Cluster.UpstreamProtocol.HTTP1, LoadBalancer.ROUND_ROBIN, Duration.ofSeconds(1), null,
                        new ConnectionLimits(1, 0, 0, 0, 0), null, null, null, ORIGIN.withRule("svc"));
                gateway.publish(Fragment.of(List.of(Route.builder("r", ORIGIN.withRule("r")).forwardTo("svc")
                        .build()), List.of(svc)));
                for (int i = 0; i < 2; i++) {
                    HttpResponse<String> r = gateway.client().send(HttpRequest.newBuilder(gateway.uri("/x"))
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).as("request " + i + ": " + r.body()).isEqualTo(200);
                }
            } finally {
                a.close();
                b.close();
            }
        }
    }

    /** A 503 the gateway answers itself because the breaker overflowed (UO) is recorded as the endpoint's 5xx. */
    @Test
    void breakerOverflowCountsAsTheEndpointsFailureForOutlierDetection() throws Exception {
        try (EngineHarness gateway = EngineHarness.start()) {
            TestUpstream up = TestUpstream.start("up");
            try {
                Cluster svc = new Cluster("svc", List.of(Endpoint.of("127.0.0.1", up.port())),
                        Cluster.Resolution.STATIC, Cluster.UpstreamProtocol.HTTP1, LoadBalancer.ROUND_ROBIN,
                        Duration.ofSeconds(20), null, new ConnectionLimits(1, 1, 0, 0, 0),
                        new io.tidegate.spi.model.OutlierDetection(1, 0, Duration.ofSeconds(10),
                                Duration.ofSeconds(30), 100), null, null, ORIGIN.withRule("svc"));
                gateway.publish(Fragment.of(List.of(Route.builder("r", ORIGIN.withRule("r")).forwardTo("svc")
                        .build()), List.of(svc)));
                java.util.concurrent.CompletableFuture<HttpResponse<String>> a = gateway.client().sendAsync(
                        HttpRequest.newBuilder(gateway.uri("/hold")).build(), HttpResponse.BodyHandlers.ofString());
                up.awaitHeld(1);
                java.util.concurrent.CompletableFuture<HttpResponse<String>> b = gateway.client().sendAsync(
                        HttpRequest.newBuilder(gateway.uri("/hold")).build(), HttpResponse.BodyHandlers.ofString());
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (!gateway.metrics().scrape().contains("tidegate_upstream_requests_pending{cluster=\"svc\"} 1")) {
                    assertThat(System.nanoTime()).isLessThan(deadline);
                    Thread.sleep(5); // polls a gauge the event loops update, with a deadline
                }
                HttpResponse<String> c = gateway.client().send(HttpRequest.newBuilder(gateway.uri("/x")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(c.statusCode()).isEqualTo(503); // overflow, expected
                assertThat(gateway.metrics().scrape()).as("the endpoint never failed, yet outlier detection ejected it")
                        .doesNotContain("tidegate_outlier_ejections_total{cluster=\"svc\"} 1");
                up.stopHolding();
                assertThat(a.get(10, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
                assertThat(b.get(10, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
                HttpResponse<String> d = gateway.client().send(HttpRequest.newBuilder(gateway.uri("/x")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(d.statusCode()).as(d.body()).isEqualTo(200); // the upstream never failed
            } finally {
                up.close();
            }
        }
    }

    /** Any change of the cluster spec other than its limits (here an endpoint added) makes a fresh breaker at 0. */
    @Test
    void anEndpointChangeResetsMaxConnections() throws Exception {
        try (EngineHarness gateway = EngineHarness.start()) {
            TestUpstream up = TestUpstream.start("up");
            TestUpstream other = TestUpstream.start("other");
            try {
                ConnectionLimits limits = new ConnectionLimits(1, 0, 0, 0, 0);
                Cluster v1 = new Cluster("svc", List.of(Endpoint.of("127.0.0.1", up.port())),
                        Cluster.Resolution.STATIC, Cluster.UpstreamProtocol.HTTP1, LoadBalancer.ROUND_ROBIN,
                        Duration.ofSeconds(20), null, limits, null, null, null, ORIGIN.withRule("svc"));
                gateway.publish(Fragment.of(List.of(Route.builder("r", ORIGIN.withRule("r")).forwardTo("svc")
                        .build()), List.of(v1)));
                java.util.concurrent.CompletableFuture<HttpResponse<String>> a = gateway.client().sendAsync(
                        HttpRequest.newBuilder(gateway.uri("/hold")).build(), HttpResponse.BodyHandlers.ofString());
                up.awaitHeld(1);
                // same limits, one more endpoint (EndpointSlice churn)
                Cluster v2 = new Cluster("svc", List.of(Endpoint.of("127.0.0.1", up.port()),
                        Endpoint.of("127.0.0.1", other.port())), Cluster.Resolution.STATIC,
                        Cluster.UpstreamProtocol.HTTP1, LoadBalancer.ROUND_ROBIN, Duration.ofSeconds(20), null,
                        limits, null, null, null, ORIGIN.withRule("svc"));
                gateway.publish(Fragment.of(List.of(Route.builder("r", ORIGIN.withRule("r")).forwardTo("svc")
                        .build()), List.of(v2)));
                java.util.concurrent.CompletableFuture<HttpResponse<String>> b = gateway.client().sendAsync(
                        HttpRequest.newBuilder(gateway.uri("/hold")).build(), HttpResponse.BodyHandlers.ofString());
                java.util.concurrent.CompletableFuture<HttpResponse<String>> c = gateway.client().sendAsync(
                        HttpRequest.newBuilder(gateway.uri("/hold")).build(), HttpResponse.BodyHandlers.ofString());
                // The breaker carried over still counts the held connection: both new requests wait for it.
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (!gateway.metrics().scrape().contains("tidegate_upstream_requests_pending{cluster=\"svc\"} 2")) {
                    assertThat(System.nanoTime()).as("two requests pending behind maxConnections=1").isLessThan(deadline);
                    Thread.sleep(5); // polls a gauge the event loops update, with a deadline
                }
                assertThat(up.connections() + other.connections()).as("upstream connections with maxConnections=1")
                        .isEqualTo(1);
                up.stopHolding();
                other.stopHolding();
                assertThat(a.get(10, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
                assertThat(b.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
                assertThat(c.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            } finally {
                up.close();
                other.close();
            }
        }
    }

    /** maxRetries=1 and a lone request with attempts=2: its own first retry's place blocks its second retry. */
    @Test
    void aLoneRequestGetsAllItsRetriesUnderMaxRetriesOne() throws Exception {
        try (EngineHarness gateway = EngineHarness.start()) {
            TestUpstream up = TestUpstream.start("up");
            try {
                Cluster svc = new Cluster("svc", List.of(Endpoint.of("127.0.0.1", up.port())),
                        Cluster.Resolution.STATIC, Cluster.UpstreamProtocol.HTTP1, LoadBalancer.ROUND_ROBIN,
                        Duration.ofSeconds(20), null, new ConnectionLimits(0, 0, 0, 1, 0), null, null, null,
                        ORIGIN.withRule("svc"));
                gateway.publish(Fragment.of(List.of(Route.builder("r", ORIGIN.withRule("r")).forwardTo("svc")
                        .retries(new io.tidegate.spi.model.RetryPolicy(2, null, java.util.Set.of("5xx"),
                                java.util.Set.of(), Duration.ofMillis(1))).build()), List.of(svc)));
                up.failWith(503);
                HttpResponse<String> r = gateway.client().send(HttpRequest.newBuilder(gateway.uri("/x")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(up.requests()).as("1 try + 2 retries, nothing else in flight").isEqualTo(3);
            } finally {
                up.close();
            }
        }
    }
}
