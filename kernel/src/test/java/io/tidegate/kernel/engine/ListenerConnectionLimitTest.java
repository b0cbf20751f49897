package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A listener's {@code maxConnections} through the real engine (two event loops): connections over the limit
 * are closed at once without a response and counted, the limit is exact when many clients connect at the same
 * moment, a closed connection frees its place, a config swap changes nothing, and the open-connections gauge
 * follows. Clients are raw sockets on loopback.
 */
@ExtendWith(NoLeaks.class)
class ListenerConnectionLimitTest {

    private EngineHarness gateway;
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    private void start(int maxConnections) throws Exception {
        gateway = EngineHarness.startWithListener(l -> l.withMaxConnections(maxConnections));
        publish("ok\n");
    }

    private void publish(String body) throws InterruptedException {
        Provenance p = Provenance.of("test", "ListenerConnectionLimitTest");
        gateway.publish(Fragment.of(List.of(Route.builder("all", p)
                .action(new RouteAction.DirectResponse(200, body, List.of())).build()), List.of()));
    }

    /** Connects and sends a keep-alive request; returns the status, or -1 when closed without a response. */
    private int request(Socket s) throws IOException {
        try {
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return head.size() == 0 ? -1 : -2;
                }
                head.write(b);
            }
            String text = head.toString(StandardCharsets.US_ASCII);
            for (String line : text.split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    in.readNBytes(Integer.parseInt(line.substring(15).trim()));
                }
            }
            return Integer.parseInt(text.substring(9, 12));
        } catch (java.net.SocketException reset) {
            return -1; // closed by the gateway before or while we wrote
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", gateway.port());
        s.setSoTimeout(10_000);
        sockets.add(s);
        return s;
    }

    private String metric(String series) {
        return gateway.metrics().scrape().lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> l.substring(series.length() + 1)).orElse("absent");
    }

    private static final String OPEN = "tidegate_listener_connections_active{listener=\"web\"}";
    private static final String OVERFLOW = "tidegate_listener_connections_overflow_total{listener=\"web\"}";

    /** Waits (at most 10 s) for the gauge: connections are closed on their own event loops. */
    private void awaitOpen(int expected) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!metric(OPEN).equals(Integer.toString(expected))) {
            assertThat(System.nanoTime()).as("open connections reached " + expected + "; now " + metric(OPEN))
                    .isLessThan(deadline);
            LockSupport.parkNanos(1_000_000); // polls a gauge other threads update
        }
    }

    @Test
    void aConnectionOverTheLimitIsClosedAtOnceAndCountedUntilOneCloses() throws Exception {
        start(2);
        Socket first = connect();
        assertThat(request(first)).isEqualTo(200);
        assertThat(request(connect())).isEqualTo(200);
        assertThat(metric(OPEN)).isEqualTo("2");
        assertThat(metric(OVERFLOW)).isEqualTo("0");

        assertThat(request(connect())).as("closed without a response").isEqualTo(-1);
        assertThat(metric(OVERFLOW)).isEqualTo("1");
        assertThat(metric(OPEN)).isEqualTo("2");

        // A reload does not reset the count nor lift the limit.
        publish("reloaded\n");
        assertThat(request(connect())).isEqualTo(-1);
        assertThat(metric(OVERFLOW)).isEqualTo("2");

        first.close();
        awaitOpen(1);
        assertThat(request(connect())).as("the closed connection's place is free").isEqualTo(200);
        assertThat(metric(OPEN)).isEqualTo("2");
    }

    @Test
    void theLimitIsExactWhenManyClientsConnectAtOnce() throws Exception {
        int limit = 5;
        int clients = 40;
        start(limit);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> outcomes = new ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                Socket s = new Socket(); // connected by its thread, all at once
                sockets.add(s);
                outcomes.add(pool.submit(() -> {
                    go.await();
                    s.connect(new java.net.InetSocketAddress("127.0.0.1", gateway.port()), 10_000);
                    s.setSoTimeout(10_000);
                    return request(s);
                }));
            }
            go.countDown();
            int served = 0;
            int refused = 0;
            for (Future<Integer> f : outcomes) {
                int status = f.get(30, TimeUnit.SECONDS);
                if (status == 200) {
                    served++;
                } else if (status == -1) {
                    refused++;
                }
            }
            // The served connections are all still open: exactly the limit got in.
            assertThat(served).isEqualTo(limit);
            assertThat(refused).isEqualTo(clients - limit);
            assertThat(metric(OVERFLOW)).isEqualTo(Integer.toString(clients - limit));
            assertThat(metric(OPEN)).isEqualTo(Integer.toString(limit));
        } finally {
            pool.shutdownNow();
        }
        for (Socket s : sockets) {
            s.close();
        }
        awaitOpen(0);
    }

    @Test
    void withoutALimitConnectionsAreOnlyCounted() throws Exception {
        start(0);
        for (int i = 0; i < 10; i++) {
            assertThat(request(connect())).isEqualTo(200);
        }
        assertThat(metric(OPEN)).isEqualTo("10");
        assertThat(metric(OVERFLOW)).isEqualTo("0");
        for (Socket s : sockets) {
            s.close();
        }
        awaitOpen(0);
    }
}
