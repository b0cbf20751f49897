package io.tidegate.kernel.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.pkitesting.X509Bundle;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.ListenerTls;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestPki;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.kernel.testing.TlsClient;
import io.tidegate.kernel.testing.TlsHarness;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Certificate;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.ConnectionView;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Client certificates on an {@code https} listener (mutual TLS), with a real JDK client: required,
 * optional, and what connection policies learn after the handshake (SNI name, client chain).
 */
@ExtendWith(NoLeaks.class)
class MutualTlsTest {

    private static final Provenance ORIGIN = Provenance.of("test", "MutualTlsTest");

    /** What the connection policy saw, one entry per connection. */
    record Seen(boolean tls, String serverName, List<X509Certificate> peers) {
    }

    static final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();

    /** Records the connection, then admits it a little later (requests read meanwhile must wait). */
    static final class Recorder implements PolicyFactory {
        @Override
        public String id() {
            return "recorder";
        }

        @Override
        public Policy create(ConfigNode settings, PluginContext context) {
            return new Policy() {
                @Override
                public CompletionStage<Decision> evaluate(io.tidegate.spi.policy.RequestView request) {
                    return Decision.ALLOW_STAGE;
                }

                @Override
                public CompletionStage<Decision> onConnection(ConnectionView c) {
                    seen.add(new Seen(c.isTls(), c.serverName(), c.peerCertificates()));
                    return CompletableFuture.supplyAsync(() -> Decision.ALLOW,
                            CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));
                }
            };
        }
    }

    static X509Bundle ca;
    static X509Bundle server;
    static X509Bundle alice;
    static X509Bundle stranger;
    static TestUpstream upstream;
    static TlsHarness required;
    static TlsHarness optional;

    @BeforeAll
    static void start() throws Exception {
        ca = TestPki.ca("Client CA");
        server = TestPki.server(ca, "a.test");
        alice = TestPki.client(ca, "alice");
        stranger = TestPki.client(TestPki.ca("Stranger CA"), "mallory");
        upstream = TestUpstream.start("app");
        required = start(ListenerTls.ClientAuth.REQUIRE);
        optional = start(ListenerTls.ClientAuth.OPTIONAL);
    }

    static TlsHarness start(ListenerTls.ClientAuth auth) throws Exception {
        ListenerTls d = ListenerTls.defaults();
        ListenerTls tls = new ListenerTls(null, null, null, d.minVersion(), List.of(), auth, ca.getCertificatePEM(),
                d.sessionTimeout(), d.sessionCacheSize(), d.handshakeTimeout());
        GatewayConfig.PluginEntry recorder = new GatewayConfig.PluginEntry("recorder", "recorder",
                EngineHarness.settings(Map.of()), List.of(TlsHarness.LISTENER));
        TlsHarness h = TlsHarness.start(tls, Map.of("recorder", new Recorder()), List.of(recorder));
        h.publish(new Fragment(List.of(Route.builder("all", ORIGIN.withRule("all")).forwardTo("app").build()),
                List.of(), List.of(Cluster.of("app", List.of(Endpoint.of("127.0.0.1", upstream.port())),
                ORIGIN.withRule("app"))), List.of(new Certificate("a", List.of("a.test"), TestPki.chainPem(server),
                server.getPrivateKeyPEM(), ORIGIN.withRule("a"))), List.of()));
        return h;
    }

    @AfterAll
    static void stop() {
        required.close();
        optional.close();
        upstream.close();
    }

    @Test
    void requiredClientCertificateIsVerifiedAndShownToPolicies() throws Exception {
        seen.clear();
        try (TlsClient c = TlsClient.connect(TlsClient.context(ca, alice), required.port(), "a.test")) {
            assertThat(c.get("a.test", "/hi")).startsWith("HTTP/1.1 200").contains("app GET /hi");
        }
        Seen s = seen.poll(5, TimeUnit.SECONDS);
        assertThat(s).isNotNull();
        assertThat(s.tls()).isTrue();
        assertThat(s.serverName()).isEqualTo("a.test");
        assertThat(s.peers()).first().isEqualTo(alice.getCertificate());

        assertThatThrownBy(() -> refusedGet(TlsClient.context(ca, null), required.port()))
                .as("no client certificate").isInstanceOf(IOException.class);
        assertThatThrownBy(() -> refusedGet(TlsClient.context(ca, stranger), required.port()))
                .as("a client certificate from another CA").isInstanceOf(IOException.class);
    }

    @Test
    void optionalClientCertificateLetsClientsWithoutOneIn() throws Exception {
        seen.clear();
        try (TlsClient c = TlsClient.connect(TlsClient.context(ca, null), optional.port(), "a.test")) {
            assertThat(c.get("a.test", "/anon")).startsWith("HTTP/1.1 200");
        }
        assertThat(seen.poll(5, TimeUnit.SECONDS).peers()).isEmpty();
        try (TlsClient c = TlsClient.connect(TlsClient.context(ca, alice), optional.port(), "a.test")) {
            assertThat(c.get("a.test", "/alice")).startsWith("HTTP/1.1 200");
        }
        assertThat(seen.poll(5, TimeUnit.SECONDS).peers()).first().isEqualTo(alice.getCertificate());
        // The server names its CAs in the CertificateRequest; a client whose certificate chains to none of
        // them sends none, and is let in as anonymous.
        try (TlsClient c = TlsClient.connect(TlsClient.context(ca, stranger), optional.port(), "a.test")) {
            assertThat(c.get("a.test", "/stranger")).startsWith("HTTP/1.1 200");
        }
        assertThat(seen.poll(5, TimeUnit.SECONDS).peers()).isEmpty();
    }

    /** In TLS 1.3 the server's refusal of a client certificate arrives after the client's handshake ended. */
    private static void refusedGet(javax.net.ssl.SSLContext ctx, int port) throws IOException {
        try (TlsClient c = TlsClient.connect(ctx, port, "a.test")) {
            c.get("a.test", "/nope");
        }
    }
}
