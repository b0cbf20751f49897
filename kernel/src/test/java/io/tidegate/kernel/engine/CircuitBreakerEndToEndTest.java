package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.RetryPolicy;
import io.tidegate.spi.model.Route;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Circuit breakers ({@code limits} of a cluster) through the real engine, with a real upstream that
 * holds responses open on request ({@code /hold}) so that requests are in flight for as long as a
 * test needs, without sleeping.
 */
@ExtendWith(NoLeaks.class)
class CircuitBreakerEndToEndTest {

    private static final Provenance ORIGIN = Provenance.of("test", "CircuitBreakerEndToEndTest");

    EngineHarness gateway;
    TestUpstream up;

    @BeforeEach
    void start() throws Exception {
        gateway = EngineHarness.start();
        up = TestUpstream.start("up");
    }

    @AfterEach
    void stop() {
        gateway.close();
        up.close();
    }

    void publish(ConnectionLimits limits, RetryPolicy retries) throws InterruptedException {
        Cluster svc = new Cluster("svc", List.of(Endpoint.of("127.0.0.1", up.port())), Cluster.Resolution.STATIC,
                Cluster.UpstreamProtocol.HTTP1, LoadBalancer.ROUND_ROBIN, Duration.ofSeconds(20), null, limits, null,
                null, null, ORIGIN.withRule("svc"));
        gateway.publish(Fragment.of(List.of(Route.builder("r", ORIGIN.withRule("r")).forwardTo("svc")
                .retries(retries).build()), List.of(svc)));
    }

    HttpRequest get(String path) {
        return HttpRequest.newBuilder(gateway.uri(path)).timeout(Duration.ofSeconds(30)).build();
    }

    HttpResponse<String> send(String path) throws Exception {
        return gateway.client().send(get(path), HttpResponse.BodyHandlers.ofString());
    }

    CompletableFuture<HttpResponse<String>> sendAsync(String path) {
        return gateway.client().sendAsync(get(path), HttpResponse.BodyHandlers.ofString());
    }

    static void assertOverloaded(HttpResponse<String> r, String detail) {
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("x-envoy-overloaded")).contains("true");
        assertThat(r.body()).isEqualTo("503 Service Unavailable: " + detail + "\n");
    }

    @Test
    void maxRequestsAnswersTheRequestOverTheLimitWith503AndOverloaded() throws Exception {
        publish(new ConnectionLimits(0, 0, 2, 0, 0), null);
        CompletableFuture<HttpResponse<String>> a = sendAsync("/hold");
        CompletableFuture<HttpResponse<String>> b = sendAsync("/hold");
        up.awaitHeld(2);
        assertThat(metric("tidegate_upstream_requests_active{cluster=\"svc\"}")).isEqualTo(2);

        assertOverloaded(send("/x"), "too many requests to the upstream cluster");
        assertThat(up.requests()).isEqualTo(2); // the third never reached the upstream
        assertThat(metric("tidegate_upstream_overflow_total{cluster=\"svc\",limit=\"maxRequests\"}")).isEqualTo(1);

        up.releaseHeld();
        assertThat(a.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(b.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        awaitMetric("tidegate_upstream_requests_active{cluster=\"svc\"}", 0);
        assertThat(send("/x").statusCode()).isEqualTo(200); // the places were given back
    }

    @Test
    void maxPendingRequestsAnswersTheRequestThatCannotQueueWith503() throws Exception {
        publish(new ConnectionLimits(1, 1, 0, 0, 0), null);
        CompletableFuture<HttpResponse<String>> first = sendAsync("/hold");
        up.awaitHeld(1);
        CompletableFuture<HttpResponse<String>> queued = sendAsync("/hold");
        awaitMetric("tidegate_upstream_requests_pending{cluster=\"svc\"}", 1);

        assertOverloaded(send("/x"), "too many requests waiting for an upstream connection");
        assertThat(metric("tidegate_upstream_overflow_total{cluster=\"svc\",limit=\"maxPendingRequests\"}"))
                .isEqualTo(1);

        up.releaseHeld();
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        up.awaitHeld(1); // the queued request got the connection once the first was done with it
        up.releaseHeld();
        assertThat(queued.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(up.peakOpenConnections()).isEqualTo(1);
        assertThat(up.requests()).isEqualTo(2);
    }

    @Test
    void maxConnectionsCapsTheUpstreamsConnectionsAndQueuedRequestsCompleteAsConnectionsFree() throws Exception {
        publish(new ConnectionLimits(2, 0, 0, 0, 0), null);
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            all.add(sendAsync("/hold"));
        }
        up.awaitHeld(2);
        awaitMetric("tidegate_upstream_requests_pending{cluster=\"svc\"}", 4);
        assertThat(up.connections()).isEqualTo(2);
        assertThat(metric("tidegate_upstream_connections_open{cluster=\"svc\"}")).isEqualTo(2);

        up.stopHolding(); // every request held now or later is answered
        for (CompletableFuture<HttpResponse<String>> f : all) {
            HttpResponse<String> r = f.get(20, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).startsWith("up GET /hold");
        }
        assertThat(up.requests()).isEqualTo(6);
        // Never more than two at once, counted by requests: a connection the gateway closed to give its place to a
        // waiter of another event loop may still look open to the upstream when the waiter's connection arrives.
        assertThat(up.peakHoldsInFlight()).isEqualTo(2);
        assertThat(metric("tidegate_upstream_overflow_total{cluster=\"svc\",limit=\"maxConnections\"}"))
                .isEqualTo(4);
    }

    @Test
    void aRequestWaitingForAConnectionIsForgottenWhenItsClientGoesAway() throws Exception {
        publish(new ConnectionLimits(1, 0, 0, 0, 0), null);
        CompletableFuture<HttpResponse<String>> first = sendAsync("/hold");
        up.awaitHeld(1);
        try (java.net.Socket client = new java.net.Socket("127.0.0.1", gateway.port())) {
            client.getOutputStream().write("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            client.getOutputStream().flush();
            awaitMetric("tidegate_upstream_requests_pending{cluster=\"svc\"}", 1);
        } // closed while waiting
        awaitMetric("tidegate_upstream_requests_pending{cluster=\"svc\"}", 0);
        up.releaseHeld();
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(send("/x").statusCode()).isEqualTo(200);
        assertThat(up.requests()).isEqualTo(2); // the abandoned request was never sent
    }

    @Test
    void maxRetriesRefusesARetryWhileAnotherIsInFlightAndReturnsTheOriginalFailure() throws Exception {
        // Retry-After holds the first request's retry (and its place) for 3 s: the window of the second request.
        publish(new ConnectionLimits(0, 0, 0, 1, 0),
                new RetryPolicy(1, null, Set.of("5xx"), Set.of(), Duration.ofMillis(1)));
        up.failWith(503);
        up.retryAfter("3");
        CompletableFuture<HttpResponse<String>> first = sendAsync("/x");
        awaitMetric("tidegate_upstream_retries_total{cluster=\"svc\"}", 1);

        HttpResponse<String> second = send("/y");
        assertThat(second.statusCode()).isEqualTo(503); // the upstream's own answer, not an overflow
        assertThat(second.headers().firstValue("x-envoy-overloaded")).isEmpty();
        assertThat(second.headers().firstValue("x-upstream")).contains("up");
        assertThat(metric("tidegate_upstream_overflow_total{cluster=\"svc\",limit=\"maxRetries\"}")).isEqualTo(1);
        assertThat(metric("tidegate_upstream_retries_total{cluster=\"svc\"}")).isEqualTo(1);

        up.failWith(0);
        HttpResponse<String> retried = first.get(20, TimeUnit.SECONDS);
        assertThat(retried.statusCode()).isEqualTo(200); // its retry went ahead and succeeded
        assertThat(up.requests()).isEqualTo(3);
    }

    @Test
    void maxRequestsPerConnectionClosesAConnectionAfterItsShare() throws Exception {
        publish(new ConnectionLimits(0, 0, 0, 0, 2), null);
        for (int i = 0; i < 5; i++) {
            assertThat(send("/x").statusCode()).isEqualTo(200); // sequential: one pooled connection at a time
        }
        assertThat(up.requests()).isEqualTo(5);
        assertThat(up.connections()).isEqualTo(3); // 2 + 2 + 1
    }

    @Test
    void withoutLimitsConnectionsAreReusedAndNoBreakerGaugeIsShown() throws Exception {
        publish(ConnectionLimits.UNLIMITED, null);
        for (int i = 0; i < 5; i++) {
            assertThat(send("/x").statusCode()).isEqualTo(200);
        }
        assertThat(up.connections()).isEqualTo(1);
        assertThat(gateway.metrics().scrape()).doesNotContain("tidegate_upstream_requests_active{");
    }

    private double metric(String series) {
        return gateway.metrics().scrape().lines().filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** Waits until a gauge or counter the event loops update reads {@code value}: the condition, not time. */
    private void awaitMetric(String series, double value) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (metric(series) != value) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(series + " != " + value + ": " + gateway.metrics().scrape());
            }
            Thread.sleep(5); // polls a counter the event loops update; the condition is what we wait for
        }
    }
}
