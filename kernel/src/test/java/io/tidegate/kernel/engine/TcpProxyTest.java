package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.testing.L4Harness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RedisServer;
import io.tidegate.kernel.testing.TcpServer;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.TcpRoute;
import io.tidegate.spi.model.WeightedCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tcp} listeners end to end: the real engine in front of a real {@code redis-server} and of plain TCP
 * servers on loopback ({@link TcpServer}, standing in for databases and brokers).
 */
@ExtendWith(NoLeaks.class)
class TcpProxyTest {

    static final Provenance P = Provenance.of("test", "TcpProxyTest");

    @TempDir
    static Path dir;
    static Path accessLog;
    static L4Harness gateway;
    static RedisServer redis;

    @BeforeAll
    static void start() throws Exception {
        accessLog = dir.resolve("access.log");
        gateway = L4Harness.start(GatewayConfig.L4.DEFAULTS, accessLog);
        redis = RedisServer.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        redis.close();
    }

    static TcpRoute route(String name, String... clusters) {
        List<WeightedCluster> to = java.util.Arrays.stream(clusters).map(c -> WeightedCluster.of(c, 1)).toList();
        return new TcpRoute(name, Set.of(), List.of(), to, null, P);
    }

    static Cluster cluster(String name, int... ports) {
        return Cluster.of(name, java.util.Arrays.stream(ports).mapToObj(p -> Endpoint.of("127.0.0.1", p)).toList(), P);
    }

    static Fragment fragment(List<TcpRoute> routes, Cluster... clusters) {
        return new Fragment(List.of(), routes, List.of(clusters), List.of(), List.of());
    }

    static Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", gateway.port(L4Harness.TCP)), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    @Test
    void redisAnswersPingSetAndGetThroughATcpListener() throws Exception {
        gateway.publish(fragment(List.of(route("redis", "redis")), cluster("redis", redis.port())));
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(line(in)).isEqualTo("+PONG");
            out.write("SET tidegate:l4 through-the-gateway\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(line(in)).isEqualTo("+OK");
            out.write("GET tidegate:l4\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(line(in)).isEqualTo("$19");
            assertThat(line(in)).isEqualTo("through-the-gateway");
        }
        assertThat(redis.command("GET tidegate:l4")).as("the SET reached the real server").isEqualTo("$19");
        String log = awaitLog("\"route\":\"redis\"");
        assertThat(log).contains("\"protocol\":\"TCP\"", "\"listener\":\"tcp\"", "\"cluster\":\"redis\"",
                "\"upstream\":\"127.0.0.1:" + redis.port() + "\"", "\"bytes_received\":60", "\"bytes_sent\":38", "\"flag\":\"DC\"");
        assertThat(gateway.metrics().scrape())
                .contains("tidegate_l4_connections_total{listener=\"tcp\",cluster=\"redis\"}")
                .contains("tidegate_l4_received_bytes_total{listener=\"tcp\",cluster=\"redis\"}");
    }

    @Test
    void manyMebibytesBothWaysArriveIntactAndAStalledUpstreamStallsTheClient() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        try (TcpServer echo = TcpServer.echo("echo", gate)) {
            gateway.publish(fragment(List.of(route("echo", "echo")), cluster("echo", echo.port())));
            int size = 64 * 1024 * 1024; // well over what the kernel's socket buffers on four sockets can hold
            byte[] data = new byte[size];
            new Random(42).nextBytes(data);
            try (Socket s = connect()) {
                CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
                    try {
                        OutputStream out = s.getOutputStream();
                        for (int off = 0; off < size; off += 256 * 1024) {
                            out.write(data, off, Math.min(256 * 1024, size - off));
                        }
                        s.shutdownOutput(); // the FIN the echo server answers with its own
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
                CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                    try {
                        MessageDigest sha = MessageDigest.getInstance("SHA-256");
                        byte[] buf = new byte[64 * 1024];
                        InputStream in = s.getInputStream();
                        for (int n; (n = in.read(buf)) >= 0; ) {
                            sha.update(buf, 0, n);
                            received.addAndGet(n);
                        }
                        return sha.digest();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                // Backpressure: while the upstream reads nothing, the gateway stops reading the client, so the
                // client cannot get rid of 64 MiB (an unbounded relay would swallow them in well under a second).
                assertThat(catchNothing(written, 3)).as("the client's writes stall while the upstream reads nothing")
                        .isFalse();
                gate.countDown();
                written.get(60, TimeUnit.SECONDS);
                byte[] echoed = read.get(60, TimeUnit.SECONDS);
                assertThat(received.get()).as(() -> "bytes that came back; " + logLine("\"route\":\"echo\""))
                        .isEqualTo(size);
                assertThat(echoed).as("SHA-256 of the bytes that came back")
                        .isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
            }
        }
        String log = awaitLog("\"route\":\"echo\"");
        assertThat(log).contains("\"bytes_received\":67108864", "\"bytes_sent\":67108864");
    }

    /** Whether {@code f} completes within {@code seconds}; never throws. */
    private static boolean catchNothing(CompletableFuture<?> f, int seconds) {
        try {
            f.get(seconds, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return f.isDone();
        }
    }

    @Test
    void endpointsAreBalancedAndWeightsSplitConnections() throws Exception {
        try (TcpServer a = TcpServer.greeter("a"); TcpServer b = TcpServer.greeter("b");
             TcpServer c = TcpServer.greeter("c")) {
            TcpRoute split = new TcpRoute("split", Set.of(), List.of(),
                    List.of(WeightedCluster.of("ab", 1), WeightedCluster.of("none", 0)), null, P);
            gateway.publish(fragment(List.of(split), cluster("ab", a.port(), b.port()), cluster("none", c.port())));
            Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < 10; i++) {
                try (Socket s = connect()) {
                    seen.merge(line(s.getInputStream()), 1, Integer::sum);
                }
            }
            assertThat(seen).as("round robin over a and b; weight 0 gets nothing").containsOnlyKeys("a", "b");
            assertThat(seen.get("a")).isEqualTo(5);

            TcpRoute even = new TcpRoute("even", Set.of(), List.of(),
                    List.of(WeightedCluster.of("ab", 1), WeightedCluster.of("none", 1)), null, P);
            gateway.publish(fragment(List.of(even), cluster("ab", a.port(), b.port()), cluster("none", c.port())));
            seen.clear();
            for (int i = 0; i < 60; i++) {
                try (Socket s = connect()) {
                    seen.merge(line(s.getInputStream()), 1, Integer::sum);
                }
            }
            assertThat(seen.getOrDefault("c", 0)).as("a 1:1 split sends some of 60 connections each way: " + seen)
                    .isBetween(10, 50);
        }
    }

    @Test
    void aRefusedEndpointIsSkippedAndAllRefusedClosesTheConnection() throws Exception {
        int dead;
        try (ServerSocket closed = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            dead = closed.getLocalPort(); // nothing listens there once closed: connects are refused
        }
        try (TcpServer live = TcpServer.greeter("live")) {
            gateway.publish(fragment(List.of(route("fallback", "mixed")), cluster("mixed", dead, live.port())));
            for (int i = 0; i < 6; i++) {
                try (Socket s = connect()) {
                    assertThat(line(s.getInputStream())).as("connection " + i).isEqualTo("live");
                }
            }
            assertThat(live.accepted()).isEqualTo(6);
        }
        gateway.publish(fragment(List.of(route("dead", "dead")), cluster("dead", dead)));
        try (Socket s = connect()) {
            assertThat(s.getInputStream().read()).as("closed: no endpoint accepts").isEqualTo(-1);
        }
        assertThat(awaitLog("\"route\":\"dead\"")).contains("\"flag\":\"UF\"", "\"upstream\":\"127.0.0.1:" + dead);
        assertThat(gateway.metrics().scrape())
                .contains("tidegate_l4_refused_total{listener=\"tcp\",reason=\"connect_failed\"}");
    }

    @Test
    void aConnectionSurvivesASwapThatKeepsItsRouteAndClosesWhenItsRouteGoes() throws Exception {
        TcpRoute kept = route("kept", "redis");
        gateway.publish(fragment(List.of(kept), cluster("redis", redis.port())));
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(line(in)).isEqualTo("+PONG");
            try (TcpServer other = TcpServer.greeter("other")) {
                gateway.publish(fragment(List.of(route("before", "other"), kept), cluster("redis", redis.port()),
                        cluster("other", other.port())));
                out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(line(in)).as("after a swap that kept the route").isEqualTo("+PONG");

                gateway.publish(fragment(List.of(route("before", "other")), cluster("other", other.port())));
                assertThat(in.read()).as("its route is gone: closed").isEqualTo(-1);
            }
        }
        assertThat(awaitLog("\"route\":\"kept\"")).contains("\"flag\":\"RC\"");
    }

    @Test
    void noRouteUnknownClusterAndIdleTimeoutClose() throws Exception {
        gateway.publish(fragment(List.of()));
        try (Socket s = connect()) {
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(gateway.metrics().scrape()).contains("tidegate_l4_refused_total{listener=\"tcp\",reason=\"no_route\"}");

        gateway.publish(fragment(List.of(route("ghost", "nobody-defines-it"))));
        try (Socket s = connect()) {
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(awaitLog("\"route\":\"ghost\"")).contains("\"flag\":\"NC\"", "\"cluster\":\"nobody-defines-it\"");

        try (TcpServer echo = TcpServer.echo("idle", null)) {
            gateway.publish(fragment(List.of(new TcpRoute("idle", Set.of(), List.of(),
                    List.of(WeightedCluster.of("idle", 1)), Duration.ofMillis(300), P)), cluster("idle", echo.port())));
            try (Socket s = connect()) {
                s.getOutputStream().write('x');
                assertThat(s.getInputStream().read()).isEqualTo('x');
                assertThat(s.getInputStream().read()).as("closed after 300 ms without a byte").isEqualTo(-1);
            }
        }
        assertThat(awaitLog("\"route\":\"idle\"")).contains("\"flag\":\"SI\"");
    }

    static String logLine(String needle) {
        try {
            return awaitLog(needle);
        } catch (Exception | AssertionError e) {
            return e.toString();
        }
    }

    static String awaitLog(String needle) throws Exception {
        return awaitLogIn(accessLog, needle);
    }

    /** The first line of the access log at {@code accessLog} that contains {@code needle}, within 10 s. */
    static String awaitLogIn(Path accessLog, String needle) throws Exception {
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
}
