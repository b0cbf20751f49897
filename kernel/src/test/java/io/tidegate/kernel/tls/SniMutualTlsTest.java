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
import io.tidegate.spi.model.Certificate;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import java.io.IOException;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Client certificates verified per served certificate (Istio's per-server MUTUAL / OPTIONAL_MUTUAL): one
 * {@code https} listener without listener mTLS serving three certificates, one requiring a client
 * certificate from its CA, one asking for one, one not asking. Real JDK clients, real TLS.
 */
@ExtendWith(NoLeaks.class)
class SniMutualTlsTest {

    private static final Provenance ORIGIN = Provenance.of("test", "SniMutualTlsTest");

    static X509Bundle serverCa;
    static X509Bundle clientCa;
    static X509Bundle alice;
    static X509Bundle mallory;
    static TestUpstream upstream;
    static TlsHarness harness;

    @BeforeAll
    static void start() throws Exception {
        serverCa = TestPki.ca("Server CA");
        clientCa = TestPki.ca("Client CA");
        alice = TestPki.client(clientCa, "alice");
        mallory = TestPki.client(TestPki.ca("Stranger CA"), "mallory");
        X509Bundle mutual = TestPki.server(serverCa, "mutual.test");
        X509Bundle optional = TestPki.server(serverCa, "optional.test");
        X509Bundle open = TestPki.server(serverCa, "open.test");
        upstream = TestUpstream.start("app");
        MutualTlsTest.seen.clear();
        GatewayConfig.PluginEntry recorder = new GatewayConfig.PluginEntry("recorder", "recorder",
                EngineHarness.settings(Map.of()), List.of(TlsHarness.LISTENER));
        harness = TlsHarness.start(ListenerTls.defaults(), Map.of("recorder", new MutualTlsTest.Recorder()),
                List.of(recorder));
        harness.publish(new Fragment(List.of(Route.builder("all", ORIGIN.withRule("all")).forwardTo("app").build()),
                List.of(), List.of(Cluster.of("app", List.of(Endpoint.of("127.0.0.1", upstream.port())),
                ORIGIN.withRule("app"))), List.of(
                new Certificate("mutual", List.of("mutual.test"), TestPki.chainPem(mutual), mutual.getPrivateKeyPEM(),
                        ORIGIN.withRule("mutual"))
                        .withClientAuth(clientCa.getCertificatePEM(), Certificate.ClientAuth.REQUIRE),
                new Certificate("optional", List.of("optional.test"), TestPki.chainPem(optional),
                        optional.getPrivateKeyPEM(), ORIGIN.withRule("optional"))
                        .withClientAuth(clientCa.getCertificatePEM(), Certificate.ClientAuth.OPTIONAL),
                new Certificate("open", List.of("open.test"), TestPki.chainPem(open), open.getPrivateKeyPEM(),
                        ORIGIN.withRule("open"))), List.of()));
    }

    @AfterAll
    static void stop() {
        harness.close();
        upstream.close();
    }

    @Test
    void requiringCertificateRefusesClientsWithoutOneOnlyForItsName() throws Exception {
        assertThatThrownBy(() -> get(TlsClient.context(serverCa, null), "mutual.test"))
                .as("no client certificate, mutual SNI").isInstanceOf(IOException.class);
        MutualTlsTest.seen.clear();
        assertThat(get(TlsClient.context(serverCa, null), "open.test")).startsWith("HTTP/1.1 200");
        assertThat(MutualTlsTest.seen.poll(10, TimeUnit.SECONDS).peers()).isEmpty();
    }

    @Test
    void requiringCertificateAcceptsItsCaAndRefusesAnother() throws Exception {
        MutualTlsTest.seen.clear();
        assertThat(get(TlsClient.context(serverCa, alice), "mutual.test")).startsWith("HTTP/1.1 200");
        MutualTlsTest.Seen s = MutualTlsTest.seen.poll(10, TimeUnit.SECONDS);
        assertThat(s.serverName()).isEqualTo("mutual.test");
        assertThat(s.peers()).first().isEqualTo(alice.getCertificate());

        assertThatThrownBy(() -> get(TlsClient.context(serverCa, mallory), "mutual.test"))
                .as("a certificate the client picks from its CA names: none, so refused")
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> get(alwaysPresenting(mallory), "mutual.test"))
                .as("a certificate from another CA, sent anyway").isInstanceOf(IOException.class);
    }

    @Test
    void optionalCertificateLetsAnonymousInButRefusesAWrongOne() throws Exception {
        MutualTlsTest.seen.clear();
        assertThat(get(TlsClient.context(serverCa, null), "optional.test")).startsWith("HTTP/1.1 200");
        assertThat(MutualTlsTest.seen.poll(10, TimeUnit.SECONDS).peers()).isEmpty();
        assertThat(get(TlsClient.context(serverCa, alice), "optional.test")).startsWith("HTTP/1.1 200");
        assertThat(MutualTlsTest.seen.poll(10, TimeUnit.SECONDS).peers()).first().isEqualTo(alice.getCertificate());
        assertThatThrownBy(() -> get(alwaysPresenting(mallory), "optional.test"))
                .as("a certificate from another CA is verified, not ignored").isInstanceOf(IOException.class);
    }

    @Test
    void certificateWithoutClientCaDoesNotAskForOne() throws Exception {
        MutualTlsTest.seen.clear();
        assertThat(get(TlsClient.context(serverCa, alice), "open.test")).startsWith("HTTP/1.1 200");
        assertThat(MutualTlsTest.seen.poll(10, TimeUnit.SECONDS).peers()).isEmpty();
    }

    @Test
    void aHostThatVerifiesClientsIsRefused421OnAConnectionMadeForAnotherName() throws Exception {
        // SNI open.test (no client certificate asked), Host mutual.test: the client never proved who it is.
        int before = upstream.requests();
        try (TlsClient c = TlsClient.connect(TlsClient.context(serverCa, null), harness.port(), "open.test")) {
            String response = c.get("mutual.test", "/");
            assertThat(response).startsWith("HTTP/1.1 421");
        }
        assertThat(upstream.requests()).as("never forwarded").isEqualTo(before);
        // The other way round is fine: open.test verifies nobody, whatever connection carries it.
        try (TlsClient c = TlsClient.connect(TlsClient.context(serverCa, alice), harness.port(), "mutual.test")) {
            assertThat(c.get("open.test", "/")).startsWith("HTTP/1.1 200");
        }
    }

    /** In TLS 1.3 the server's refusal of a client certificate arrives after the client's handshake ended. */
    private static String get(SSLContext ctx, String sni) throws IOException {
        try (TlsClient c = TlsClient.connect(ctx, harness.port(), sni)) {
            return c.get(sni, "/");
        }
    }

    /** A client that presents {@code client} whatever CA names the server asks for. */
    private static SSLContext alwaysPresenting(X509Bundle client) throws Exception {
        X509KeyManager km = null;
        for (KeyManager k : client.toKeyManagerFactory().getKeyManagers()) {
            if (k instanceof X509KeyManager x) {
                km = x;
            }
        }
        X509KeyManager delegate = km;
        String alias = firstAlias(delegate);
        X509ExtendedKeyManager stubborn = new X509ExtendedKeyManager() {
            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return new String[] {alias};
            }

            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return alias;
            }

            @Override
            public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
                return alias;
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return null;
            }

            @Override
            public X509Certificate[] getCertificateChain(String a) {
                return delegate.getCertificateChain(a);
            }

            @Override
            public PrivateKey getPrivateKey(String a) {
                return delegate.getPrivateKey(a);
            }
        };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(new KeyManager[] {stubborn}, serverCa.toTrustManagerFactory().getTrustManagers(), null);
        return ctx;
    }

    private static String firstAlias(X509KeyManager km) {
        for (String type : new String[] {"EC", "RSA", "EdDSA", "Ed25519"}) {
            String[] aliases = km.getClientAliases(type, null);
            if (aliases != null && aliases.length > 0) {
                return aliases[0];
            }
        }
        throw new IllegalStateException("no client key");
    }
}
