package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.SslContextBuilder;
import io.netty.pkitesting.X509Bundle;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.testing.L4Harness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestPki;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.kernel.testing.TlsClient;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.TcpRoute;
import io.tidegate.spi.model.WeightedCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tls-passthrough} end to end: two real HTTPS upstreams with their own certificates
 * ({@link TestUpstream#startTls}, standing in for TLS-serving applications) behind one listener that routes by
 * the ClientHello's SNI name and never terminates TLS; real JDK TLS clients.
 */
@ExtendWith(NoLeaks.class)
class TlsPassthroughTest {

    static final Provenance P = Provenance.of("test", "TlsPassthroughTest");

    @TempDir
    static Path dir;
    static Path accessLog;
    static X509Bundle ca;
    static L4Harness gateway;
    static TestUpstream alpha;
    static TestUpstream wild;

    @BeforeAll
    static void start() throws Exception {
        ca = TestPki.ca("passthrough-ca");
        X509Bundle alphaCert = TestPki.server(ca, "alpha.example.com");
        X509Bundle wildCert = TestPki.server(ca, "wild-upstream.example");
        alpha = TestUpstream.startTls("alpha", SslContextBuilder.forServer(alphaCert.getKeyPair().getPrivate(),
                alphaCert.getCertificatePath()).build());
        wild = TestUpstream.startTls("wild", SslContextBuilder.forServer(wildCert.getKeyPair().getPrivate(),
                wildCert.getCertificatePath()).build());
        accessLog = dir.resolve("access.log");
        gateway = L4Harness.start(new GatewayConfig.L4(Duration.ofMinutes(5), Duration.ofSeconds(2), 64 * 1024),
                accessLog);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        alpha.close();
        wild.close();
    }

    static TcpRoute route(String name, List<String> sni, String cluster) {
        return new TcpRoute(name, Set.of(L4Harness.TLS), sni, List.of(WeightedCluster.of(cluster, 1)), null, P);
    }

    static void publish(TcpRoute... routes) throws InterruptedException {
        gateway.publish(new Fragment(List.of(), List.of(routes), List.of(
                Cluster.of("alpha", List.of(Endpoint.of("127.0.0.1", alpha.port())), P),
                Cluster.of("wild", List.of(Endpoint.of("127.0.0.1", wild.port())), P)), List.of(), List.of()));
    }

    static void bySni() throws InterruptedException {
        publish(route("alpha", List.of("alpha.example.com"), "alpha"), route("wild", List.of("*.wild.example"), "wild"));
    }

    /** A fresh context per connection: the JDK's session cache must not resume across server names. */
    static SSLContext client() {
        return TlsClient.context(ca, null);
    }

    int tls() {
        return gateway.port(L4Harness.TLS);
    }

    @Test
    void eachSniNameReachesItsOwnUpstreamAndTheClientSeesThatUpstreamsCertificate() throws Exception {
        bySni();
        try (TlsClient c = TlsClient.connect(client(), tls(), "alpha.example.com")) {
            assertThat(c.serverCn()).isEqualTo("alpha.example.com");
            assertThat(c.get("alpha.example.com", "/hello")).contains("x-upstream: alpha", "alpha GET /hello");
        }
        try (TlsClient c = TlsClient.connect(client(), tls(), "api.wild.example")) {
            assertThat(c.serverCn()).as("the wildcard route's upstream").isEqualTo("wild-upstream.example");
            assertThat(c.get("api.wild.example", "/w")).contains("x-upstream: wild");
        }
        try (TlsClient c = TlsClient.connect(client(), tls(), "Deep.Api.WILD.example")) {
            assertThat(c.serverCn()).as("a wildcard takes one or more labels, any case").isEqualTo("wild-upstream.example");
        }
        assertThat(awaitLog("\"sni\":\"alpha.example.com\"")).contains("\"protocol\":\"TLS\"", "\"listener\":\"tls\"",
                "\"route\":\"alpha\"", "\"cluster\":\"alpha\"", "\"upstream\":\"127.0.0.1:" + alpha.port() + "\"");
    }

    @Test
    void anUnknownNameAndAMissingNameAreClosedUntilARouteTakesAnyName() throws Exception {
        bySni();
        String misses = refused("no_route");
        assertThatThrownBy(() -> TlsClient.connect(client(), tls(), "unknown.example.org").close())
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> TlsClient.connect(client(), tls(), "wild.example").close())
                .as("*.wild.example needs a label in place of the star").isInstanceOf(IOException.class);
        assertThatThrownBy(() -> TlsClient.connect(client(), tls(), null).close())
                .as("no SNI and no route without sniHosts").isInstanceOf(IOException.class);
        assertThat(awaitLog("\"sni\":\"unknown.example.org\"")).contains("\"flag\":\"NR\"", "\"route\":null");
        assertThat(refused("no_route")).as("SNI misses counted").isNotEqualTo(misses);

        publish(route("alpha", List.of("alpha.example.com"), "alpha"), route("any", List.of(), "wild"));
        try (TlsClient c = TlsClient.connect(client(), tls(), null)) {
            assertThat(c.serverCn()).as("no SNI: the route without sniHosts").isEqualTo("wild-upstream.example");
        }
    }

    @Test
    void aClientHelloSplitIntoManySmallWritesIsReassembledAndReplayedIntact() throws Exception {
        bySni();
        try (Splitter splitter = new Splitter(tls(), 7);
             TlsClient c = TlsClient.connect(client(), splitter.port(), "alpha.example.com")) {
            assertThat(c.serverCn()).isEqualTo("alpha.example.com");
            assertThat(c.get("alpha.example.com", "/split")).contains("alpha GET /split");
        }
    }

    @Test
    void bytesThatAreNotAClientHelloAndAHelloThatNeverEndsAreClosed() throws Exception {
        bySni();
        int connections = alpha.connections() + wild.connections();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), tls())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: alpha.example.com\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(s.getInputStream().read()).as("plain HTTP on a passthrough listener").isEqualTo(-1);
        }
        assertThat(refused("bad_client_hello")).isNotEqualTo("0");
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), tls())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01}); // a hello's first bytes
            assertThat(s.getInputStream().read()).as("closed at the 2 s ClientHello timeout").isEqualTo(-1);
        }
        assertThat(awaitLog("\"flag\":\"HT\"")).contains("\"listener\":\"tls\"");
        assertThat(alpha.connections() + wild.connections()).as("neither reached an upstream").isEqualTo(connections);
    }

    /** The value of {@code tidegate_l4_refused_total} for the tls listener and {@code reason}, as text; "0" when absent. */
    static String refused(String reason) {
        String prefix = "tidegate_l4_refused_total{listener=\"tls\",reason=\"" + reason + "\"} ";
        return gateway.metrics().scrape().lines().filter(l -> l.startsWith(prefix))
                .map(l -> l.substring(prefix.length())).findFirst().orElse("0");
    }

    static String awaitLog(String needle) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(accessLog)) {
                for (String line : Files.readAllLines(accessLog)) {
                    if (line.contains(needle)) {
                        return line;
                    }
                }
            }
            Thread.sleep(20); // polling a file the access log thread appends to, with a deadline
        }
        throw new AssertionError("no access log line with " + needle + " in " + Files.readString(accessLog));
    }

    /**
     * A loopback relay in front of the gateway that passes the client's bytes on in writes of {@code chunk}
     * bytes with TCP_NODELAY, so the ClientHello reaches the gateway in many segments.
     */
    static final class Splitter implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());

        Splitter(int target, int chunk) throws IOException {
            Thread t = new Thread(() -> {
                try (Socket in = server.accept(); Socket out = new Socket(InetAddress.getLoopbackAddress(), target)) {
                    out.setTcpNoDelay(true);
                    Thread back = new Thread(() -> copy(out, in, 64 * 1024), "splitter-back");
                    back.setDaemon(true);
                    back.start();
                    copy(in, out, chunk);
                    back.join(10_000);
                } catch (IOException | InterruptedException e) {
                    // test over
                }
            }, "splitter");
            t.setDaemon(true);
            t.start();
        }

        private static void copy(Socket from, Socket to, int chunk) {
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                byte[] buf = new byte[chunk];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                    out.flush();
                }
                to.shutdownOutput();
            } catch (IOException e) {
                // one side closed
            }
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
