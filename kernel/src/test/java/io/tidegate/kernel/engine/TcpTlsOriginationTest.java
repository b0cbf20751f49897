package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.pkitesting.X509Bundle;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.testing.L4Harness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RedisServer;
import io.tidegate.kernel.testing.Scrapes;
import io.tidegate.kernel.testing.TestPki;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.TcpRoute;
import io.tidegate.spi.model.UpstreamTls;
import io.tidegate.spi.model.WeightedCluster;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS origination on {@code tcp} listeners (docs/engine.md, "L4"): a client speaking plain RESP to the gateway
 * reaches a real {@code redis-server} on its TLS-only port ({@code --tls-port}), because the gateway opens a
 * verified TLS session with the cluster's {@code tls}; a server certificate the cluster does not trust ends the
 * connection with {@code UF}.
 */
@ExtendWith(NoLeaks.class)
class TcpTlsOriginationTest {

    static final Provenance P = Provenance.of("test", "TcpTlsOriginationTest");

    @TempDir
    static Path dir;
    static Path accessLog;
    static L4Harness gateway;
    static RedisServer redis;
    /** A TLS Redis whose certificate no test cluster trusts. */
    static RedisServer untrusted;
    static X509Bundle ca;

    @BeforeAll
    static void start() throws Exception {
        ca = TestPki.ca("Redis CA");
        X509Bundle server = TestPki.server(ca, "redis.test");
        Path cert = Files.writeString(dir.resolve("redis.crt"), server.getCertificatePEM());
        Path key = Files.writeString(dir.resolve("redis.key"), server.getPrivateKeyPEM());
        redis = RedisServer.startTls(dir, cert, key);
        X509Bundle stranger = TestPki.server(TestPki.ca("Another CA"), "redis.test");
        untrusted = RedisServer.startTls(dir, Files.writeString(dir.resolve("stranger.crt"),
                stranger.getCertificatePEM()), Files.writeString(dir.resolve("stranger.key"),
                stranger.getPrivateKeyPEM()));
        accessLog = dir.resolve("access.log");
        gateway = L4Harness.start(GatewayConfig.L4.DEFAULTS, accessLog);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        redis.close();
        untrusted.close();
    }

    static void publish(String name, String caPem) throws InterruptedException {
        publish(name, caPem, List.of(Endpoint.of("127.0.0.1", redis.tlsPort())));
    }

    static void publish(String name, String caPem, List<Endpoint> endpoints) throws InterruptedException {
        Cluster tls = new Cluster(name, endpoints, Cluster.Resolution.STATIC,
                Cluster.UpstreamProtocol.HTTP1, LoadBalancer.ROUND_ROBIN, null, null, ConnectionLimits.UNLIMITED, null,
                null, new UpstreamTls("redis.test", caPem, true, null, null, List.of(), List.of()), P);
        gateway.publish(new Fragment(List.of(), List.of(new TcpRoute(name, Set.of(), List.of(),
                List.of(WeightedCluster.of(name, 1)), null, P)), List.of(tls), List.of(), List.of()));
    }

    static Socket connect() throws Exception {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", gateway.port(L4Harness.TCP)), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    private long metric(String series) {
        return Scrapes.value(gateway.metrics().scrape(), series);
    }

    @Test
    void plainRespFromTheClientReachesRedisOverAVerifiedTlsSessionTheGatewayOpens() throws Exception {
        publish("redis-tls", ca.getCertificatePEM());
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(TcpProxyTest.line(in)).isEqualTo("+PONG");
            out.write("SET tidegate:tls originated\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(TcpProxyTest.line(in)).isEqualTo("+OK");
        }
        assertThat(redis.command("GET tidegate:tls")).as("the SET reached the real server").isEqualTo("$10");
        assertThat(metric("tidegate_upstream_tls_handshakes_total{cluster=\"redis-tls\",result=\"success\"}"))
                .isEqualTo(1);
        assertThat(TcpProxyTest.awaitLogIn(accessLog, "\"route\":\"redis-tls\"")).contains("\"protocol\":\"TCP\"",
                "\"upstream\":\"127.0.0.1:" + redis.tlsPort() + "\"");
    }

    @Test
    void aServerCertificateTheClusterDoesNotTrustEndsTheConnectionWithUf() throws Exception {
        publish("redis-untrusted", TestPki.ca("Another CA").getCertificatePEM());
        try (Socket s = connect()) {
            s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(s.getInputStream().read()).as("closed, no byte relayed").isEqualTo(-1);
        }
        assertThat(TcpProxyTest.awaitLogIn(accessLog, "\"route\":\"redis-untrusted\"")).contains("\"flag\":\"UF\"");
        assertThat(metric("tidegate_upstream_tls_handshakes_total{cluster=\"redis-untrusted\",result=\"failure\"}"))
                .isEqualTo(1);
    }

    @Test
    void aFailedHandshakeWithOneEndpointMovesOnToTheNextAndTheClientIsServed() throws Exception {
        // Round robin starts at the first endpoint: the untrusted one. Its failed handshake must not end the client.
        publish("redis-failover", ca.getCertificatePEM(), List.of(Endpoint.of("127.0.0.1", untrusted.tlsPort()),
                Endpoint.of("127.0.0.1", redis.tlsPort())));
        try (Socket s = connect()) {
            s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(TcpProxyTest.line(s.getInputStream())).isEqualTo("+PONG");
        }
        assertThat(metric("tidegate_upstream_tls_handshakes_total{cluster=\"redis-failover\",result=\"failure\"}"))
                .isEqualTo(1);
        assertThat(TcpProxyTest.awaitLogIn(accessLog, "\"route\":\"redis-failover\"")).contains(
                "\"upstream\":\"127.0.0.1:" + redis.tlsPort() + "\"").doesNotContain("\"flag\":\"UC\"");
    }
}
