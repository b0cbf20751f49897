package io.tidegate.kernel.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.pkitesting.X509Bundle;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.TestPki;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.HealthStatus;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteMatch;
import io.tidegate.spi.model.SocketAddress;
import io.tidegate.spi.model.UpstreamTls;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * TLS origination end to end: a client on the gateway's plain listener, the real engine, and real HTTPS
 * upstreams on loopback (standing in for TLS-serving applications) that count their handshakes.
 */
@ExtendWith(NoLeaks.class)
class UpstreamTlsTest {

    private static final Provenance ORIGIN = Provenance.of("test", "UpstreamTlsTest");

    static X509Bundle ca;
    static EngineHarness gateway;
    static TestUpstream https;
    static TestUpstream mtls;
    static X509Bundle client;

    @BeforeAll
    static void start() throws Exception {
        ca = TestPki.ca("Upstream CA");
        X509Bundle server = TestPki.server(ca, "app.internal", "127.0.0.1");
        client = TestPki.client(ca, "gateway");
        https = TestUpstream.startTls("secure", SslContextBuilder.forServer(server.getKeyPair().getPrivate(),
                server.getCertificatePath()).build());
        SslContext requiring = SslContextBuilder.forServer(server.getKeyPair().getPrivate(), server.getCertificatePath())
                .trustManager(ca.getCertificate()).clientAuth(ClientAuth.REQUIRE).build();
        mtls = TestUpstream.startTls("mtls", requiring);
        gateway = EngineHarness.start();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        https.close();
        mtls.close();
    }

    static Cluster cluster(String name, TestUpstream upstream, UpstreamTls tls) {
        return new Cluster(name, List.of(new Endpoint(SocketAddress.parse(upstream.address()), 1, Map.of(),
                HealthStatus.HEALTHY)), Cluster.Resolution.STATIC, Cluster.UpstreamProtocol.HTTP1,
                LoadBalancer.ROUND_ROBIN, null, null, ConnectionLimits.UNLIMITED, null, null, tls,
                ORIGIN.withRule(name));
    }

    static UpstreamTls tls(String sni, String caPem, boolean verify, X509Bundle clientCert) {
        return new UpstreamTls(sni, caPem, verify, clientCert == null ? null : TestPki.chainPem(clientCert),
                clientCert == null ? null : clientCert.getPrivateKeyPEM(), List.of(), List.of());
    }

    static Route route(String name, String host, String cluster) {
        return Route.builder(name, ORIGIN.withRule(name)).match(RouteMatch.hostsAndPath(List.of(host), null))
                .forwardTo(cluster).build();
    }

    @Test
    void hundredSequentialRequestsMakeOneUpstreamHandshake() throws Exception {
        gateway.publish(Fragment.of(List.of(route("r", "reuse.test", "reuse")),
                List.of(cluster("reuse", https, tls("app.internal", ca.getCertificatePEM(), true, null)))));
        int handshakesBefore = https.tlsHandshakes();
        int connectionsBefore = https.connections();
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (int i = 0; i < 100; i++) {
                out.write(("GET /n/" + i + " HTTP/1.1\r\nHost: reuse.test\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String response = readResponse(in);
                assertThat(response).startsWith("HTTP/1.1 200").contains("secure GET /n/" + i);
            }
        }
        assertThat(https.tlsHandshakes() - handshakesBefore).as("TLS handshakes at the upstream").isEqualTo(1);
        assertThat(https.connections() - connectionsBefore).isEqualTo(1);
        assertThat(gateway.metrics().scrape())
                .contains("tidegate_upstream_tls_handshakes_total{cluster=\"reuse\",result=\"success\"} 1");
    }

    @Test
    void verifiesTheServerAgainstTheCaAndTheName() throws Exception {
        X509Bundle otherCa = TestPki.ca("Someone else");
        gateway.publish(Fragment.of(List.of(route("wrong-ca", "ca.test", "wrong-ca"),
                        route("wrong-name", "name.test", "wrong-name"), route("ip", "ip.test", "ip"),
                        route("insecure", "insecure.test", "insecure")),
                List.of(cluster("wrong-ca", https, tls("app.internal", otherCa.getCertificatePEM(), true, null)),
                        cluster("wrong-name", https, tls("evil.internal", ca.getCertificatePEM(), true, null)),
                        cluster("ip", https, tls(null, ca.getCertificatePEM(), true, null)),
                        cluster("insecure", https, tls("whatever", otherCa.getCertificatePEM(), false, null)))));
        assertThat(get("ca.test")).startsWith("HTTP/1.1 502").contains("upstream TLS handshake failed");
        assertThat(get("name.test")).startsWith("HTTP/1.1 502").contains("upstream TLS handshake failed");
        assertThat(get("ip.test")).startsWith("HTTP/1.1 200"); // no SNI for an IP; the certificate's IP SAN matches
        assertThat(get("insecure.test")).startsWith("HTTP/1.1 200"); // verify: false
        assertThat(gateway.metrics().scrape())
                .contains("tidegate_upstream_tls_handshakes_total{cluster=\"wrong-ca\",result=\"failure\"} 1");
    }

    @Test
    void presentsAClientCertificateForMutualTls() throws Exception {
        gateway.publish(Fragment.of(List.of(route("with", "with.test", "with"), route("without", "without.test", "without")),
                List.of(cluster("with", mtls, tls("app.internal", ca.getCertificatePEM(), true, client)),
                        cluster("without", mtls, tls("app.internal", ca.getCertificatePEM(), true, null)))));
        assertThat(get("with.test")).startsWith("HTTP/1.1 200").contains("mtls GET /");
        assertThat(get("without.test")).startsWith("HTTP/1.1 502");
    }

    @Test
    void unusableTlsSettingsRejectTheClusterAlone() throws Exception {
        X509Bundle other = TestPki.client(ca, "other");
        UpstreamTls mismatched = new UpstreamTls(null, ca.getCertificatePEM(), true, TestPki.chainPem(client),
                other.getPrivateKeyPEM(), List.of(), List.of());
        UpstreamTls h2 = new UpstreamTls(null, null, true, null, null, List.of("h2"), List.of());
        gateway.publish(Fragment.of(List.of(route("ok", "ok.test", "ok")),
                List.of(cluster("bad-key", https, mismatched), cluster("h2", https, h2),
                        cluster("bad-ca", https, tls(null, "garbage", true, null)),
                        cluster("ok", https, tls("app.internal", ca.getCertificatePEM(), true, null)))));
        List<Diagnostic> diags = gateway.reconciler().sources().get(0).diagnostics();
        assertThat(diags).anySatisfy(d -> assertThat(d.toString()).contains("#bad-key tls")
                .contains("the private key does not match the client certificate; cluster rejected"));
        assertThat(diags).anySatisfy(d -> assertThat(d.toString()).contains("#h2 tls")
                .contains("tls.alpn: 'h2' (expected: http/1.1, the cluster's protocol http1)"));
        assertThat(diags).anySatisfy(d -> assertThat(d.toString()).contains("#bad-ca tls")
                .contains("tls.caPem: no PEM certificate found"));
        assertThat(get("ok.test")).startsWith("HTTP/1.1 200");
    }

    private static String get(String host) throws Exception {
        return RawHttp.exchange(gateway.port(), "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n",
                3000);
    }

    private static String readResponse(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("closed: " + head);
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }
}
