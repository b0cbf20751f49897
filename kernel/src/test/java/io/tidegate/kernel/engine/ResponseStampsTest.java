package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteMatch;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code engine.serverHeader} and {@code engine.upstreamTimeHeader} on real responses. */
@ExtendWith(NoLeaks.class)
class ResponseStampsTest {

    private static final Provenance ORIGIN = Provenance.of("test", "ResponseStampsTest");

    @Test
    void everyResponseCarriesTheServerHeaderAndUpstreamAnswersTheirTime() throws Exception {
        try (EngineHarness gateway = EngineHarness.start(new GatewayConfig.EngineConfig(2, "auto", "tidegate",
                "x-envoy-upstream-service-time")); TestUpstream upstream = TestUpstream.start("u")) {
            gateway.publish(Fragment.of(List.of(Route.builder("r", ORIGIN.withRule("r"))
                            .match(RouteMatch.hostsAndPath(List.of("a"), PathMatch.segmentPrefix("/"))).forwardTo("u")
                            .build()),
                    List.of(Cluster.of("u", List.of(Endpoint.of("127.0.0.1", upstream.port())), ORIGIN))));

            String slow = RawHttp.exchange(gateway.port(),
                    "GET /slow?ms=150 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 3000).toLowerCase();
            assertThat(slow).startsWith("http/1.1 200").contains("\r\nserver: tidegate\r\n");
            String ms = slow.substring(slow.indexOf("x-envoy-upstream-service-time: ") + 31).split("\r\n")[0];
            assertThat(Long.parseLong(ms)).isBetween(150L, 3000L); // the upstream took 150 ms to answer

            String local = RawHttp.exchange(gateway.port(), "GET /nothing HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n",
                    2000).toLowerCase();
            assertThat(local).startsWith("http/1.1 404").contains("\r\nserver: tidegate\r\n")
                    .doesNotContain("x-envoy-upstream-service-time"); // no upstream was asked
        }
    }

    @Test
    void withoutSettingsNothingIsAdded() throws Exception {
        try (EngineHarness gateway = EngineHarness.start()) {
            gateway.publish(Fragment.of(List.of(), List.of()));
            String local = RawHttp.exchange(gateway.port(), "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                    2000).toLowerCase();
            assertThat(local).startsWith("http/1.1 404").doesNotContain("\r\nserver:");
        }
    }
}
