package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.H2Client;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.Scrapes;
import io.tidegate.kernel.testing.TestH2Upstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.HealthCheck;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A cluster's circuit breakers on an HTTP/2 cluster (docs/engine.md, "Circuit breakers"): {@code maxConnections}
 * bounds the multiplexed connections and a request that finds them all full waits as pending until a stream frees;
 * {@code maxPendingRequests} bounds those waits; {@code maxRequestsPerConnection} caps the streams one connection
 * carries. Against a real HTTP/2 server (Netty's frame codec) that holds {@code /hold} streams open.
 */
@ExtendWith(NoLeaks.class)
class Http2UpstreamLimitsTest {

    private static final Provenance ORIGIN = Provenance.of("test", "Http2UpstreamLimitsTest");

    private EngineHarness gateway;
    private TestH2Upstream upstream;

    @BeforeEach
    void start() throws Exception {
        gateway = EngineHarness.start();
    }

    @AfterEach
    void stop() {
        gateway.close();
        if (upstream != null) {
            upstream.close();
        }
    }

    private void serve(long maxStreams, ConnectionLimits limits) throws InterruptedException {
        serve(maxStreams, limits, null);
    }

    private void serve(long maxStreams, ConnectionLimits limits, HealthCheck check) throws InterruptedException {
        upstream = TestH2Upstream.start(maxStreams);
        Cluster h2 = new Cluster("h2", List.of(Endpoint.of("127.0.0.1", upstream.port())), Cluster.Resolution.STATIC,
                Cluster.UpstreamProtocol.HTTP2, LoadBalancer.ROUND_ROBIN, null, null, limits, null, check, null,
                ORIGIN.withRule("h2"));
        gateway.publish(Fragment.of(List.of(Route.builder("h2", ORIGIN.withRule("h2")).forwardTo("h2").build()),
                List.of(h2)));
    }

    private static H2Client.Stream get(H2Client c, String path) throws InterruptedException {
        return c.open().headers(H2Client.request("GET", "app.test", path), true);
    }

    private long metric(String series) {
        return Scrapes.value(gateway.metrics().scrape(), series);
    }

    /** Polls the scrape: the gauge is set on the event loop and read here, with no event to await. */
    private void awaitMetric(String series, long value) throws InterruptedException {
        awaitMetric(series, value, false);
    }

    private void awaitMetric(String series, long value, boolean orMore) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (orMore ? metric(series) < value : metric(series) != value) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(series + " is " + metric(series) + ", not " + value);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void atMaxConnectionsARequestWaitsForAStreamOfTheFullConnectionInsteadOfOpeningAnother() throws Exception {
        serve(2, new ConnectionLimits(1, 0, 0, 0, 0));
        try (H2Client c = H2Client.h2c(gateway.port())) { // one client connection: one event loop, one pool
            List<H2Client.Stream> streams = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                streams.add(get(c, "/hold"));
            }
            upstream.awaitHeld(2);
            awaitMetric("tidegate_upstream_requests_pending{cluster=\"h2\"}", 1);
            assertThat(upstream.connections()).isEqualTo(1); // without the limit the pool would open a second
            assertThat(metric("tidegate_upstream_overflow_total{cluster=\"h2\",limit=\"maxConnections\"}"))
                    .isEqualTo(1);

            upstream.releaseHeld();
            upstream.awaitHeld(1); // the waiting request took a freed stream
            upstream.releaseHeld();
            for (H2Client.Stream s : streams) {
                H2Client.Response r = s.response();
                assertThat(r.status()).isEqualTo("200");
                assertThat(r.body.toString()).isEqualTo("released");
            }
        }
        assertThat(upstream.peakOpenConnections()).isEqualTo(1);
        assertThat(metric("tidegate_upstream_http2_connections_opened_total{cluster=\"h2\"}")).isEqualTo(1);
        assertThat(metric("tidegate_upstream_requests_pending{cluster=\"h2\"}")).isZero();
    }

    @Test
    void maxPendingRequestsAnswersTheStreamThatCannotWaitWith503Overloaded() throws Exception {
        serve(1, new ConnectionLimits(1, 1, 0, 0, 0));
        try (H2Client c = H2Client.h2c(gateway.port())) {
            H2Client.Stream first = get(c, "/hold");
            upstream.awaitHeld(1);
            H2Client.Stream queued = get(c, "/hold");
            awaitMetric("tidegate_upstream_requests_pending{cluster=\"h2\"}", 1);

            H2Client.Response over = get(c, "/x").response();
            assertThat(over.status()).isEqualTo("503");
            assertThat(over.headers.get("x-envoy-overloaded")).hasToString("true");
            assertThat(over.body.toString()).isEqualTo("503 Service Unavailable: too many requests waiting for an"
                    + " upstream connection\n");

            upstream.releaseHeld();
            assertThat(first.response().status()).isEqualTo("200");
            upstream.awaitHeld(1);
            upstream.releaseHeld();
            assertThat(queued.response().status()).isEqualTo("200");
        }
        assertThat(upstream.connections()).isEqualTo(1);
    }

    @Test
    void aPoolWithoutAConnectionGetsOneOverTheLimitRatherThanWaitForABusyOne() throws Exception {
        // Two endpoints, round robin, maxConnections 1: the first request's connection to one endpoint takes the
        // only place and stays busy; the second request goes to the other endpoint, whose pool has no connection.
        // As in Envoy it gets one over the limit (counted as an overflow) instead of waiting for a place that a
        // busy multiplexed connection never gives back.
        try (TestH2Upstream other = TestH2Upstream.start(1)) {
            upstream = TestH2Upstream.start(1);
            Cluster h2 = new Cluster("h2", List.of(Endpoint.of("127.0.0.1", upstream.port()),
                    Endpoint.of("127.0.0.1", other.port())), Cluster.Resolution.STATIC, Cluster.UpstreamProtocol.HTTP2,
                    LoadBalancer.ROUND_ROBIN, null, null, new ConnectionLimits(1, 0, 0, 0, 0), null, null, null,
                    ORIGIN.withRule("h2"));
            gateway.publish(Fragment.of(List.of(Route.builder("h2", ORIGIN.withRule("h2")).forwardTo("h2").build()),
                    List.of(h2)));
            try (H2Client c = H2Client.h2c(gateway.port())) {
                List<H2Client.Stream> held = List.of(get(c, "/hold"), get(c, "/hold"));
                upstream.awaitHeld(1); // one stream held at each endpoint: the second did not wait
                other.awaitHeld(1);
                assertThat(metric("tidegate_upstream_connections_open{cluster=\"h2\"}")).isEqualTo(2);
                assertThat(metric("tidegate_upstream_requests_pending{cluster=\"h2\"}")).isZero();
                assertThat(metric("tidegate_upstream_overflow_total{cluster=\"h2\",limit=\"maxConnections\"}"))
                        .isEqualTo(1);
                upstream.releaseHeld();
                other.releaseHeld();
                for (H2Client.Stream s : held) {
                    assertThat(s.response().status()).isEqualTo("200");
                }
            }
            assertThat(upstream.connections() + other.connections()).isEqualTo(2);
        }
    }

    @Test
    void maxRequestsPerConnectionRetiresAConnectionAfterItsShareOfStreams() throws Exception {
        serve(100, new ConnectionLimits(0, 0, 0, 0, 2));
        try (H2Client c = H2Client.h2c(gateway.port())) {
            for (int i = 0; i < 5; i++) {
                assertThat(get(c, "/x").response().status()).isEqualTo("200");
            }
        }
        assertThat(metric("tidegate_upstream_http2_connections_opened_total{cluster=\"h2\"}")).isEqualTo(3); // 2+2+1
        assertThat(metric("tidegate_upstream_http2_streams_total{cluster=\"h2\"}")).isEqualTo(5);
    }

    @Test
    void healthChecksAreNotHeldBackByAFullConnectionAtMaxConnections() throws Exception {
        // One event loop: pools are per loop, and a probe that ran first on the other loop would leave a pooled
        // connection there, so that the request (on this one) opened a second over the limit; both counted.
        gateway.close();
        gateway = EngineHarness.start(new GatewayConfig.EngineConfig(1, "auto"));
        serve(1, new ConnectionLimits(1, 0, 0, 0, 0), new HealthCheck(HealthCheck.Kind.HTTP, "/healthz", null,
                Set.of(), Duration.ofMillis(100), Duration.ofSeconds(5), 1, 1));
        String success = "tidegate_health_checks_total{cluster=\"h2\",result=\"success\"}";
        try (H2Client c = H2Client.h2c(gateway.port())) {
            H2Client.Stream held = get(c, "/hold");
            upstream.awaitHeld(1); // the one stream the one allowed connection has
            long before = metric(success);
            awaitMetric(success, before + 2, true); // two probes while it is full: each on a connection of its own
            assertThat(metric("tidegate_health_checks_total{cluster=\"h2\",result=\"failure\"}")).isZero();
            assertThat(metric("tidegate_upstream_connections_open{cluster=\"h2\"}")).isEqualTo(1); // not counted
            upstream.releaseHeld();
            assertThat(held.response().status()).isEqualTo("200");
        }
    }
}
