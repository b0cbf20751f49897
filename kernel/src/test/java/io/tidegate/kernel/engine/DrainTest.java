package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import java.net.ConnectException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Graceful stop: no new connections, requests in flight finish, their connections close after. */
@ExtendWith(NoLeaks.class)
class DrainTest {

    @Test
    void drainLetsInFlightRequestsFinishAndRefusesNewConnections() throws Exception {
        try (EngineHarness gateway = EngineHarness.start(); TestUpstream upstream = TestUpstream.start("u")) {
            Provenance p = Provenance.of("test", "DrainTest");
            gateway.publish(Fragment.of(List.of(Route.builder("all", p).forwardTo("u").build()),
                    List.of(Cluster.of("u", List.of(Endpoint.of("127.0.0.1", upstream.port())), p))));
            int port = gateway.port();
            CompletableFuture<HttpResponse<String>> inFlight = gateway.client().sendAsync(
                    HttpRequest.newBuilder(gateway.uri("/slow?ms=800")).build(), HttpResponse.BodyHandlers.ofString());
            upstream.nextSeenMatching("/slow?ms=800");

            assertThat(inFlight).as("the upstream holds the response for 800 ms").isNotDone();

            assertThat(gateway.engine().drain(Duration.ofSeconds(5))).isTrue();

            // Drain returns once the gateway has written the last response; the client reads it just after.
            assertThat(gateway.engine().activeRequests()).as("drain returned only after the request finished").isZero();
            HttpResponse<String> finished = inFlight.get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(finished.statusCode()).isEqualTo(200);
            assertThat(finished.headers().firstValue("connection")).hasValue("close");
            assertThat(gateway.engine().activeRequests()).isZero();
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                throw new AssertionError("still accepting on " + port);
            } catch (ConnectException expected) {
                // listener closed
            }
        }
    }
}
