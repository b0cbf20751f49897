package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.SslContextBuilder;
import io.netty.pkitesting.X509Bundle;
import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestPki;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.kernel.testing.TlsClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An egress SNI allowlist on passthrough, end to end: the real {@code policy-egress} JAR bound to two
 * egress-role {@code tls-passthrough} listeners of the real gateway ({@code sni: "*.allowed.test"}, default
 * deny; on the second in audit mode), a file-source {@code tcpRoutes} entry sending every connection to a
 * local TLS upstream. An allowed name's handshake completes with the upstream's own certificate; a denied one
 * is closed after its ClientHello and before any upstream connection, counted and logged.
 */
@ExtendWith(NoLeaks.class)
class EgressSniPassthroughGatewayTest {

    @TempDir
    static Path home;

    static X509Bundle ca;
    static TestUpstream upstream;
    static Gateway gateway;
    static Path accessLog;

    @BeforeAll
    static void start() throws Exception {
        TestInstall install = new TestInstall(home);
        ca = TestPki.ca("Egress CA");
        X509Bundle leaf = TestPki.server(ca, "api.allowed.test");
        upstream = TestUpstream.startTls("external", SslContextBuilder.forServer(leaf.getKeyPair().getPrivate(),
                leaf.getCertificatePath()).build());
        install.writeRoutes("egress.yaml", """
                clusters:
                  - name: external
                    endpoints: [127.0.0.1:%d]
                tcpRoutes:
                  - name: outbound
                    forward: external
                """.formatted(upstream.port()));
        accessLog = home.resolve("access.log");
        Path config = install.conf.resolve("tidegate.yaml");
        Files.writeString(config, """
                listeners:
                  - name: out
                    address: 127.0.0.1:0
                    protocol: tls-passthrough
                    role: egress
                  - name: audited
                    address: 127.0.0.1:0
                    protocol: tls-passthrough
                    role: egress
                admin:
                  address: 127.0.0.1:0
                plugins:
                  dir: plugins
                sources:
                  - id: file
                    paths: [conf/routes.d]
                policies:
                  - id: egress
                    listeners: [out]
                    mode: deny
                    allow:
                      - sni: "*.allowed.test"
                  - id: egress
                    name: egress-audit
                    listeners: [audited]
                    audit: true
                    allow:
                      - sni: "*.allowed.test"
                accessLog:
                  target: %s
                  format: json
                """.formatted(accessLog));
        gateway = TestInstall.startGateway(config, home, new LinkedBlockingQueue<>());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        upstream.close();
    }

    /** A fresh context per connection: the JDK's session cache must not resume across server names. */
    private static SSLContext client() {
        return TlsClient.context(ca, null);
    }

    @Test
    void anAllowedNamePassesThroughAndTheClientHandshakesWithTheUpstream() throws Exception {
        int handshakes = upstream.tlsHandshakes();
        try (TlsClient c = TlsClient.connect(client(), gateway.engine().port("out"), "api.allowed.test")) {
            assertThat(c.serverCn()).as("the upstream's certificate: the gateway terminated nothing")
                    .isEqualTo("api.allowed.test");
            assertThat(c.get("api.allowed.test", "/v1/things")).contains("external GET /v1/things");
        }
        assertThat(upstream.tlsHandshakes()).isEqualTo(handshakes + 1);
        assertThat(L4Wire.awaitLine(accessLog, "\"listener\":\"out\",\"sni\":\"api.allowed.test\""))
                .contains("\"route\":\"outbound\"", "\"upstream\":\"127.0.0.1:" + upstream.port() + "\"");
    }

    @Test
    void aNameOutsideTheAllowlistIsClosedBeforeAnyUpstreamConnectionCountedAndLogged() throws Exception {
        int connections = upstream.connections();
        assertThatThrownBy(() -> TlsClient.connect(client(), gateway.engine().port("out"), "evil.test").close())
                .isInstanceOf(IOException.class);
        // The target's port is the listener's configured one, 0 here (an ephemeral port): no ":443" in the reason.
        assertThat(L4Wire.awaitLine(accessLog, "\"listener\":\"out\",\"sni\":\"evil.test\""))
                .contains("\"flag\":\"PD\"", "\"upstream\":null", "\"reason\":\"egress not_allowed evil.test\"");
        assertThat(upstream.connections()).as("the upstream saw no connection").isEqualTo(connections);
        assertThat(metrics()).contains("tidegate_egress_denied_total{listener=\"out\",reason=\"not_allowed\"} 1")
                .contains("tidegate_l4_refused_total{listener=\"out\",reason=\"policy_denied\"} 1");
    }

    @Test
    void auditModeCountsTheWouldBeDenialAndLetsItThrough() throws Exception {
        try (TlsClient c = TlsClient.connect(client(), gateway.engine().port("audited"), "evil.test")) {
            assertThat(c.serverCn()).isEqualTo("api.allowed.test");
            assertThat(c.get("evil.test", "/audited")).contains("external GET /audited");
        }
        assertThat(metrics()).contains("tidegate_egress_audit_total{listener=\"audited\",reason=\"not_allowed\"} 1")
                .doesNotContain("tidegate_egress_denied_total{listener=\"audited\"");
        assertThat(L4Wire.awaitLine(accessLog, "\"listener\":\"audited\"")).contains("\"route\":\"outbound\"",
                "\"flag\":\"DC\"");
    }

    private static String metrics() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gateway.admin().port() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
