package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.TestH2Upstream;
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
 * The HTTP/2 upstream idle timeout: it runs only while no stream is open, so steady traffic keeps the connection
 * (found in review; failed before its fix), and a connection left without streams closes after it.
 */
@ExtendWith(NoLeaks.class)
class Http2UpstreamIdleTest {

    private static final Provenance ORIGIN = Provenance.of("test", "Http2UpstreamIdleTest");

    /** A busy HTTP/2 upstream connection (a request every 100 ms, idleTimeout 400 ms) is never closed as idle. */
    @Test
    void aBusyHttp2ConnectionIsNotClosedAsIdle() throws Exception {
        try (EngineHarness gateway = EngineHarness.start()) {
            TestH2Upstream up = TestH2Upstream.start();
            try {
                forwardTo(gateway, up, Duration.ofMillis(400));
                for (int i = 0; i < 20; i++) {
                    HttpResponse<String> r = gateway.client().send(HttpRequest.newBuilder(gateway.uri("/x")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).isEqualTo(200);
                    Thread.sleep(100); // paces the traffic (the subject), not synchronisation
                }
                assertThat(up.connections()).as("h2 connections the upstream saw over 2 s of steady traffic")
                        .isEqualTo(1);
            } finally {
                up.close();
            }
        }
    }

    @Test
    void aConnectionWithoutStreamsClosesAfterTheIdleTimeoutAndTheNextRequestOpensAnother() throws Exception {
        try (EngineHarness gateway = EngineHarness.start()) {
            TestH2Upstream up = TestH2Upstream.start();
            try {
                forwardTo(gateway, up, Duration.ofMillis(300));
                HttpRequest get = HttpRequest.newBuilder(gateway.uri("/x")).build();
                assertThat(gateway.client().send(get, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
                up.awaitOpenConnectionsClosed(10); // the 300 ms idle timeout closed it, with no stream open
                assertThat(gateway.client().send(get, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
                assertThat(up.connections()).as("the second request needed a new connection").isEqualTo(2);
            } finally {
                up.close();
            }
        }
    }

    /** Every request to an HTTP/2 cluster of {@code up} with this idle timeout. */
    private static void forwardTo(EngineHarness gateway, TestH2Upstream up, Duration idleTimeout)
            throws InterruptedException {
        Cluster h2 = new Cluster("h2", List.of(Endpoint.of("127.0.0.1", up.port())), Cluster.Resolution.STATIC,
                Cluster.UpstreamProtocol.HTTP2, LoadBalancer.ROUND_ROBIN, null, idleTimeout,
                ConnectionLimits.UNLIMITED, null, null, null, ORIGIN.withRule("h2"));
        gateway.publish(Fragment.of(List.of(Route.builder("r", ORIGIN.withRule("r")).forwardTo("h2").build()),
                List.of(h2)));
    }
}
