package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.L4Harness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TcpServer;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.TcpRoute;
import io.tidegate.spi.model.WeightedCluster;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.ConnectionView;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import io.tidegate.spi.policy.RequestView;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** L4 connections and the rest of the gateway: connection policies, and the drain at shutdown. */
@ExtendWith(NoLeaks.class)
class L4LifecycleTest {

    static final Provenance P = Provenance.of("test", "L4LifecycleTest");

    @TempDir
    Path dir;

    static Fragment toEcho(int port) {
        return new Fragment(List.of(), List.of(new TcpRoute("echo", Set.of(), List.of(),
                List.of(WeightedCluster.of("echo", 1)), null, P)),
                List.of(Cluster.of("echo", List.of(Endpoint.of("127.0.0.1", port)), P)), List.of(), List.of());
    }

    /** Denies every connection it is asked about (an IP deny list that lists everyone), counting the questions. */
    static final class DenyAll implements PolicyFactory {
        final AtomicInteger asked = new AtomicInteger();

        @Override
        public String id() {
            return "deny-all";
        }

        @Override
        public Policy create(ConfigNode settings, PluginContext context) {
            return new Policy() {
                @Override
                public CompletionStage<Decision> evaluate(RequestView request) {
                    return Decision.ALLOW_STAGE;
                }

                @Override
                public CompletionStage<Decision> onConnection(ConnectionView c) {
                    asked.incrementAndGet();
                    return CompletableFuture.completedFuture(Decision.deny(403, "", "listed"));
                }
            };
        }
    }

    @Test
    void aConnectionPolicyBoundToTheTcpListenerRefusesBeforeAnyUpstreamIsReached() throws Exception {
        DenyAll deny = new DenyAll();
        Path log = dir.resolve("access.log");
        var binding = new GatewayConfig.PluginEntry("deny-all", "deny-all", EngineHarness.settings(Map.of()),
                List.of(L4Harness.TCP));
        try (L4Harness gateway = L4Harness.start(GatewayConfig.L4.DEFAULTS, log, Map.of("deny-all", deny),
                List.of(binding)); TcpServer echo = TcpServer.echo("echo", null)) {
            gateway.publish(toEcho(echo.port()));
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gateway.port(L4Harness.TCP))) {
                s.setSoTimeout(10_000);
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            }
            assertThat(deny.asked.get()).isEqualTo(1);
            assertThat(echo.accepted()).as("refused before connecting upstream").isZero();
            assertThat(awaitLog(log, "\"flag\":\"PD\"")).contains("\"listener\":\"tcp\"", "\"upstream\":null");
            assertThat(gateway.metrics().scrape())
                    .contains("tidegate_l4_refused_total{listener=\"tcp\",reason=\"policy_denied\"} 1");
        }
    }

    /** Refuses connections whose SNI name is {@code blocked.example} (an egress SNI allowlist in miniature). */
    static final class SniGuard implements PolicyFactory {
        final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public String id() {
            return "sni-guard";
        }

        @Override
        public Policy create(ConfigNode settings, PluginContext context) {
            return new Policy() {
                @Override
                public CompletionStage<Decision> evaluate(RequestView request) {
                    return Decision.ALLOW_STAGE;
                }

                @Override
                public CompletionStage<Decision> onConnection(ConnectionView c) {
                    seen.add(c.serverName() + " tls=" + c.isTls());
                    return "blocked.example".equals(c.serverName())
                            ? CompletableFuture.completedFuture(Decision.deny(403, "", "sni blocked"))
                            : Decision.ALLOW_STAGE;
                }
            };
        }
    }

    @Test
    void passthroughConnectionPoliciesAreAskedWithTheClientHellosSniName() throws Exception {
        SniGuard guard = new SniGuard();
        var binding = new GatewayConfig.PluginEntry("sni-guard", "sni-guard", EngineHarness.settings(Map.of()),
                List.of(L4Harness.TLS));
        io.netty.pkitesting.X509Bundle ca = io.tidegate.kernel.testing.TestPki.ca("guard-ca");
        try (L4Harness gateway = L4Harness.start(GatewayConfig.L4.DEFAULTS, null, Map.of("sni-guard", guard),
                List.of(binding)); TcpServer upstream = TcpServer.greeter("not-tls")) {
            gateway.publish(new Fragment(List.of(), List.of(new TcpRoute("any", Set.of(), List.of(),
                    List.of(WeightedCluster.of("u", 1)), null, P)),
                    List.of(Cluster.of("u", List.of(Endpoint.of("127.0.0.1", upstream.port())), P)), List.of(), List.of()));
            int port = gateway.port(L4Harness.TLS);
            assertThatThrownBy(() -> io.tidegate.kernel.testing.TlsClient.connect(
                    io.tidegate.kernel.testing.TlsClient.context(ca, null), port, "blocked.example").close())
                    .isInstanceOf(java.io.IOException.class);
            assertThat(upstream.accepted()).as("refused before the upstream").isZero();
            // Allowed: relayed to the upstream, whose answer is no TLS, so this handshake fails there.
            assertThatThrownBy(() -> io.tidegate.kernel.testing.TlsClient.connect(
                    io.tidegate.kernel.testing.TlsClient.context(ca, null), port, "allowed.example").close())
                    .isInstanceOf(java.io.IOException.class);
            assertThat(upstream.accepted()).isEqualTo(1);
            assertThat(guard.seen).containsExactly("blocked.example tls=false", "allowed.example tls=false");
        }
    }

    @Test
    void drainStopsAcceptingAndClosesL4ConnectionsAtTheDeadline() throws Exception {
        Path log = dir.resolve("drain.log");
        try (L4Harness gateway = L4Harness.start(GatewayConfig.L4.DEFAULTS, log);
             TcpServer echo = TcpServer.echo("echo", null)) {
            gateway.publish(toEcho(echo.port()));
            int port = gateway.port(L4Harness.TCP);
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write('a');
                assertThat(s.getInputStream().read()).isEqualTo('a');

                assertThat(gateway.engine().drain(Duration.ofMillis(300)))
                        .as("an open L4 connection holds the drain to its deadline").isFalse();
                assertThat(s.getInputStream().read()).as("closed at the deadline").isEqualTo(-1);
                assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
                        .isInstanceOf(ConnectException.class);
            }
            assertThat(awaitLog(log, "\"route\":\"echo\"")).contains("\"flag\":\"DR\"", "\"bytes_received\":1");
        }
    }

    static String awaitLog(Path log, String needle) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log)) {
                    if (line.contains(needle)) {
                        return line;
                    }
                }
            }
            Thread.sleep(20); // polling a file the access log thread appends to, with a deadline
        }
        throw new AssertionError("no access log line with " + needle + " in " + Files.readString(log));
    }
}
