package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.TestTlsServer;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import io.tidegate.spi.policy.RequestView;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forward-proxy path of a {@code forwardProxy: true} egress listener through the real engine:
 * absolute-form requests as {@code curl -x} and the JDK's HttpClient send them, CONNECT tunnels carrying
 * a real TLS handshake to a local HTTPS server, policies asked before connecting and again about the
 * resolved address (the DNS rebinding guard), with names resolved by a test hosts table.
 */
@ExtendWith(NoLeaks.class)
class ForwardProxyTest {

    @TempDir
    static Path dir;

    static TestUpstream upstream;
    static TestTlsServer tls;
    static EngineHarness proxy;
    static Path accessLog;
    /** What the test policy saw: "evaluate host proxy route" and "address host ip:port". */
    static final List<String> seen = new CopyOnWriteArrayList<>();

    /** Denies host {@code blocked.test} in evaluate, and any resolved address in 169.254.0.0/16. */
    static final class GuardFactory implements PolicyFactory {
        @Override
        public String id() {
            return "guard";
        }

        @Override
        public Policy create(ConfigNode settings, PluginContext context) {
            return new Policy() {
                @Override
                public CompletionStage<Decision> evaluate(RequestView request) {
                    seen.add("evaluate " + request.authority() + " " + request.isProxyRequest() + " "
                            + (request.route() == null ? "-" : request.route().name()));
                    return request.host().equals("blocked.test")
                            ? CompletableFuture.completedFuture(Decision.deny(403, "egress to blocked.test denied",
                            "guard host blocked.test"))
                            : Decision.ALLOW_STAGE;
                }

                @Override
                public CompletionStage<Decision> onUpstreamAddress(RequestView request, InetSocketAddress resolved) {
                    seen.add("address " + request.host() + " " + resolved.getAddress().getHostAddress() + ":"
                            + resolved.getPort());
                    // Asynchronous on purpose: the engine must resume on its own loop.
                    return CompletableFuture.supplyAsync(() -> resolved.getAddress().getHostAddress()
                            .startsWith("169.254.") ? Decision.deny(403, "resolved address denied",
                            "guard address " + resolved.getAddress().getHostAddress()) : Decision.ALLOW);
                }
            };
        }
    }

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.start("up");
        tls = TestTlsServer.start("tls.test", dir);
        accessLog = dir.resolve("access.log");
        var guard = new GatewayConfig.PluginEntry("guard", "guard", EngineHarness.settings(Map.of()), List.of());
        proxy = EngineHarness.startEgress(EngineHarness.defaults(), Map.of("guard", new GuardFactory()),
                List.of(guard), new EngineHarness.Egress(EngineHarness.hosts(Map.of(
                        "app.test", "127.0.0.1",
                        "tls.test", "127.0.0.1",
                        "blocked.test", "127.0.0.1",
                        "metadata.test", "169.254.169.254")), accessLog));
        Provenance p = Provenance.of("test", "ForwardProxyTest");
        proxy.publish(Fragment.of(List.of(Route.builder("partner", p)
                        .match(io.tidegate.spi.model.RouteMatch.hostsAndPath(List.of("partner.test"), null)).forwardTo("partner")
                        .build()),
                List.of(Cluster.of("partner", List.of(Endpoint.of("127.0.0.1", upstream.port())), p))));
    }

    @AfterAll
    static void stop() {
        proxy.close();
        upstream.close();
        tls.close();
    }

    private static HttpClient viaProxy() throws Exception {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", proxy.port())))
                .sslContext(tls.clientContext()).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void anAbsoluteFormGetIsForwardedInOriginFormWithHostFromTheTarget() throws Exception {
        HttpClient client = viaProxy(); // like curl -x: GET http://app.test:PORT/hello HTTP/1.1
        int connectionsBefore = upstream.connections();
        HttpResponse<String> first = client.send(HttpRequest.newBuilder(
                URI.create("http://app.test:" + upstream.port() + "/hello?x=1")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> second = client.send(HttpRequest.newBuilder(
                URI.create("http://app.test:" + upstream.port() + "/again")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).startsWith("up GET /hello?x=1");
        TestUpstream.Seen s = upstream.nextSeenMatching("/hello?x=1");
        assertThat(s.header("host")).isEqualTo("app.test:" + upstream.port());
        assertThat(s.header("proxy-connection")).isNull();
        assertThat(s.header("x-forwarded-host")).isEqualTo("app.test:" + upstream.port());
        assertThat(second.body()).startsWith("up GET /again");
        assertThat(upstream.connections() - connectionsBefore).as("pooled by resolved address").isEqualTo(1);
        assertThat(seen).contains("evaluate app.test:" + upstream.port() + " true -",
                "address app.test 127.0.0.1:" + upstream.port());
    }

    @Test
    void anHttpsUrlThroughTheProxyTunnelsARealTlsHandshake() throws Exception {
        int before = tls.handshakes();
        HttpResponse<String> r = viaProxy().send(HttpRequest.newBuilder(
                URI.create("https://tls.test:" + tls.port() + "/secure")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("tls tls.test GET /secure");
        assertThat(tls.handshakes()).isGreaterThan(before);
        assertThat(seen).contains("evaluate tls.test:" + tls.port() + " true -");
    }

    @Test
    void connectAnswers200WithoutFramingThenRelaysTlsBothWaysAndIsLogged() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("CONNECT tls.test:" + tls.port() + " HTTP/1.1\r\nHost: tls.test:" + tls.port() + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String head = readHead(socket.getInputStream());
            assertThat(head).isEqualTo("HTTP/1.1 200 Connection Established\r\n\r\n");

            SSLSocket ssl = (SSLSocket) tls.clientContext().getSocketFactory()
                    .createSocket(socket, "tls.test", tls.port(), true);
            var params = ssl.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name tls.test
            ssl.setSSLParameters(params);
            ssl.startHandshake();
            ssl.getOutputStream().write("GET /raw HTTP/1.1\r\nHost: tls.test\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            ssl.getOutputStream().flush();
            String response = new String(ssl.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(response).startsWith("HTTP/1.1 200").endsWith("tls tls.test GET /raw");
            // The TLS server closed after its answer: the gateway closed the client side with it.
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
        String line = awaitLog("\"method\":\"CONNECT\"");
        assertThat(line).contains("\"status\":200", "\"route\":\"forward-proxy\"",
                "\"upstream\":\"127.0.0.1:" + tls.port() + "\"", "\"flag\":null");
        assertThat(line).doesNotContain("\"bytes_sent\":0,");
    }

    @Test
    void aTunnelStreamsFiftyMebibytesEachWayWithBoundedMemory() throws Exception {
        long size = 50L * 1024 * 1024;
        java.util.concurrent.atomic.AtomicLong maxDirect = new java.util.concurrent.atomic.AtomicLong();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                maxDirect.accumulateAndGet(io.netty.util.internal.PlatformDependent.usedDirectMemory(), Math::max);
                try {
                    Thread.sleep(5); // sampling interval, not synchronisation
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(20000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("CONNECT app.test:" + upstream.port() + " HTTP/1.1\r\nHost: app.test\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(readHead(in)).startsWith("HTTP/1.1 200");
            // Up: a plain HTTP upload through the tunnel, which the upstream counts.
            out.write(("POST /count HTTP/1.1\r\nHost: app.test\r\nContent-Length: " + size + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            byte[] zeros = new byte[64 * 1024];
            for (long sent = 0; sent < size; sent += zeros.length) {
                out.write(zeros);
            }
            out.flush();
            String counted = readHead(in);
            assertThat(counted).startsWith("HTTP/1.1 200");
            int length = Integer.parseInt(counted.replaceAll("(?si).*content-length: (\\d+).*", "$1").trim());
            assertThat(new String(in.readNBytes(length), StandardCharsets.ISO_8859_1)).isEqualTo(Long.toString(size));
            // Down: the upstream streams bytes through the tunnel.
            out.write(("GET /bytes?n=" + size + " HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            long received = 0;
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                received += n;
            }
            assertThat(received).as("head, chunk framing and the body").isGreaterThan(size);
        } finally {
            sampler.interrupt();
            sampler.join();
        }
        // Gateway, upstream and client share this JVM; together they peak far below one body.
        assertThat(maxDirect.get()).as("peak direct memory").isLessThan(24L * 1024 * 1024);
    }

    @Test
    void aPolicyDenialBeforeConnectingIs403WithItsReasonInTheAccessLog() throws Exception {
        String raw = RawHttp.exchange(proxy.port(),
                "GET http://blocked.test/x HTTP/1.1\r\nHost: blocked.test\r\nConnection: close\r\n\r\n", 3000);
        assertThat(RawHttp.status(raw)).isEqualTo(403);
        assertThat(raw).endsWith("egress to blocked.test denied\n");
        assertThat(seen).noneMatch(s -> s.startsWith("address blocked.test"));
        String connect = RawHttp.exchange(proxy.port(),
                "CONNECT blocked.test:443 HTTP/1.1\r\nHost: blocked.test:443\r\nConnection: close\r\n\r\n", 3000);
        assertThat(RawHttp.status(connect)).isEqualTo(403);
        assertThat(awaitLog("\"authority\":\"blocked.test\"")).contains("\"status\":403", "\"flag\":\"PD\"",
                "\"reason\":\"guard host blocked.test\"");
    }

    @Test
    void aNameThatResolvesIntoADeniedRangeIsRefusedAfterResolution() throws Exception {
        String connect = RawHttp.exchange(proxy.port(),
                "CONNECT metadata.test:80 HTTP/1.1\r\nHost: metadata.test:80\r\nConnection: close\r\n\r\n", 3000);
        assertThat(RawHttp.status(connect)).isEqualTo(403);
        assertThat(connect).endsWith("resolved address denied\n");
        String get = RawHttp.exchange(proxy.port(),
                "GET http://metadata.test/latest/meta-data/ HTTP/1.1\r\nHost: metadata.test\r\nConnection: close\r\n\r\n",
                3000);
        assertThat(RawHttp.status(get)).isEqualTo(403);
        assertThat(seen).contains("address metadata.test 169.254.169.254:80");
        assertThat(awaitLog("/latest/meta-data/")).contains("\"flag\":\"PD\"",
                "\"reason\":\"guard address 169.254.169.254\"", "\"upstream\":\"169.254.169.254:80\"");
    }

    @Test
    void anUnknownNameIs502() throws Exception {
        String raw = RawHttp.exchange(proxy.port(),
                "GET http://nowhere.test/ HTTP/1.1\r\nHost: nowhere.test\r\nConnection: close\r\n\r\n", 3000);
        assertThat(RawHttp.status(raw)).isEqualTo(502);
        assertThat(raw).contains("cannot resolve upstream host");
    }

    @Test
    void anAbsoluteFormRequestMatchingARouteGoesToTheRoutesClusterNotTheTarget() throws Exception {
        // Port 1 has nothing listening: only the route's cluster can answer.
        String raw = RawHttp.exchange(proxy.port(),
                "GET http://partner.test:1/api HTTP/1.1\r\nHost: partner.test:1\r\nConnection: close\r\n\r\n", 3000);
        assertThat(RawHttp.status(raw)).isEqualTo(200);
        assertThat(raw).contains("up GET /api");
        assertThat(seen).contains("evaluate partner.test:1 true partner");
    }

    @Test
    void aConnectWithoutAPortIs400() throws Exception {
        String raw = RawHttp.exchange(proxy.port(), "CONNECT app.test HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n", 3000);
        assertThat(RawHttp.status(raw)).isEqualTo(400);
        assertThat(raw).contains("invalid CONNECT target");
        String body = RawHttp.exchange(proxy.port(), "CONNECT app.test:443 HTTP/1.1\r\nHost: app.test\r\n"
                + "Content-Length: 3\r\n\r\nabc", 3000);
        assertThat(RawHttp.status(body)).isEqualTo(400);
        assertThat(body).contains("CONNECT with a body");
    }

    @Test
    void aSilentTunnelIsClosedAfterTheIdleTimeoutWithFlagSi() throws Exception {
        Path log = dir.resolve("idle.log");
        GatewayConfig.Defaults quick = new GatewayConfig.Defaults(Duration.ofSeconds(2), Duration.ZERO,
                Duration.ofMillis(300), Duration.ofSeconds(30));
        try (EngineHarness idle = EngineHarness.startEgress(quick, Map.of(), List.of(),
                new EngineHarness.Egress(EngineHarness.hosts(Map.of("app.test", "127.0.0.1")), log))) {
            idle.publish(Fragment.of(List.of(), List.of()));
            try (Socket socket = new Socket("127.0.0.1", idle.port())) {
                socket.setSoTimeout(5000);
                socket.getOutputStream().write(("CONNECT app.test:" + upstream.port() + " HTTP/1.1\r\nHost: app.test\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                assertThat(readHead(socket.getInputStream())).startsWith("HTTP/1.1 200");
                long start = System.nanoTime();
                assertThat(socket.getInputStream().read()).as("closed by the gateway").isEqualTo(-1);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
            }
            assertThat(awaitLog(log, "\"method\":\"CONNECT\"")).contains("\"status\":200", "\"flag\":\"SI\"");
        }
    }

    @Test
    void withoutForwardProxyConnectStays405() throws Exception {
        try (EngineHarness ingress = EngineHarness.start()) {
            String raw = RawHttp.exchange(ingress.port(),
                    "CONNECT app.test:443 HTTP/1.1\r\nHost: app.test:443\r\nConnection: close\r\n\r\n", 3000);
            assertThat(RawHttp.status(raw)).isEqualTo(405);
        }
    }

    private static String readHead(InputStream in) throws Exception {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.append((char) c);
        }
        return b.toString();
    }

    /** The first access log line containing {@code needle}, waiting for the log's writer thread. */
    static String awaitLog(String needle) throws Exception {
        return awaitLog(accessLog, needle);
    }

    static String awaitLog(Path accessLog, String needle) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(accessLog)) {
                for (String line : Files.readAllLines(accessLog)) {
                    if (line.contains(needle)) {
                        return line;
                    }
                }
            }
            Thread.sleep(20); // polling a file another thread appends to, with a deadline
        }
        throw new AssertionError("no access log line with " + needle + " in " + (Files.exists(accessLog)
                ? Files.readString(accessLog) : "(no file)"));
    }
}
