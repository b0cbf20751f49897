package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The idle timeouts of connections the engine keeps open between exchanges: the listener's
 * {@code keepAliveTimeout} on client connections (kept by the proxy handler itself, with or without HTTP/2 on the
 * listener), and the cluster's idle timeout on pooled upstream connections. Each closes a connection that idles
 * too long, and neither cuts one that is busy for longer than the timeout.
 */
@ExtendWith(NoLeaks.class)
class ConnectionIdleTimeoutsTest {

    static final Duration KEEP_ALIVE = Duration.ofMillis(300);
    static final Provenance P = Provenance.of("test", "ConnectionIdleTimeoutsTest");

    EngineHarness gateway;
    TestUpstream upstream;

    void start(boolean http2, Duration upstreamIdle) throws Exception {
        gateway = EngineHarness.start(KEEP_ALIVE, http2 ? GatewayConfig.Http2.DEFAULTS : GatewayConfig.Http2.DISABLED);
        upstream = TestUpstream.start("u");
        Cluster u = new Cluster("u", List.of(Endpoint.of("127.0.0.1", upstream.port())), Cluster.Resolution.STATIC,
                Cluster.UpstreamProtocol.HTTP1, null, null, upstreamIdle, ConnectionLimits.UNLIMITED, null, null, null,
                P);
        gateway.publish(Fragment.of(List.of(Route.builder("all", P).forwardTo("u").build()), List.of(u)));
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @ParameterizedTest(name = "HTTP/2 on the listener: {0}")
    @ValueSource(booleans = {false, true})
    void anIdleClientConnectionIsClosedAfterTheKeepAliveTimeout(boolean http2) throws Exception {
        start(http2, null);
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            assertThat(get(s, "/first")).isEqualTo(200);
            long answered = System.nanoTime();
            assertThat(s.getInputStream().read()).as("closed by the gateway").isEqualTo(-1);
            assertThat(System.nanoTime() - answered).as("not before the keep-alive timeout")
                    .isGreaterThanOrEqualTo(KEEP_ALIVE.toNanos() - TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    @Test
    void anExchangeLongerThanTheKeepAliveTimeoutKeepsItsConnection() throws Exception {
        start(false, null);
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            assertThat(get(s, "/slow?ms=" + 3 * KEEP_ALIVE.toMillis())).isEqualTo(200);
            assertThat(get(s, "/right-after")).as("the same connection still serves").isEqualTo(200);
        }
    }

    @Test
    void aHeadArrivingSlowlyIsNotIdle() throws Exception {
        start(false, null);
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            String head = "GET /dripped HTTP/1.1\r\nHost: a\r\nX-One: 1\r\nX-Two: 2\r\nX-Three: 3\r\n\r\n";
            // Pieces a third of the keep-alive timeout apart: a whole head takes longer than the timeout, but
            // the client is never quiet for that long.
            long pause = KEEP_ALIVE.toMillis() / 3;
            for (String piece : head.split("(?<=\r\n)")) {
                s.getOutputStream().write(piece.getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                Thread.sleep(pause); // the client's pace, not synchronisation
            }
            assertThat(status(readResponse(s.getInputStream()))).isEqualTo(200);
        }
    }

    @Test
    void anIdlePooledUpstreamConnectionIsClosedAfterTheClusterIdleTimeout() throws Exception {
        start(false, Duration.ofMillis(200));
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            assertThat(get(s, "/one")).isEqualTo(200);
            assertThat(upstream.awaitClosed(1)).as("the pooled connection closed").isTrue();
            assertThat(upstream.openConnections()).isZero();
            assertThat(get(s, "/two")).as("a new connection serves the next request").isEqualTo(200);
            assertThat(upstream.connections()).isEqualTo(2);
        }
    }

    @Test
    void anUpstreamConnectionBusyLongerThanTheIdleTimeoutIsKeptAndReused() throws Exception {
        start(false, Duration.ofMillis(200));
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            assertThat(get(s, "/slow?ms=600")).isEqualTo(200);
            assertThat(get(s, "/right-after")).isEqualTo(200);
            assertThat(upstream.connections()).as("the busy connection was not closed as idle").isEqualTo(1);
        }
    }

    @Test
    void aClientThatLeavesWhileTheUpstreamAnswersIsNoticedAndTheUpstreamConnectionClosed() throws Exception {
        // The client's read interest stays armed during an exchange (no epoll_ctl per request), so its FIN is
        // seen at once, as nginx and Envoy see it, rather than when the response is written.
        start(false, null);
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.getOutputStream().write("GET /hold HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            assertThat(upstream.awaitHeld(1)).isTrue();
        }
        assertThat(upstream.awaitClosed(1)).as("the upstream connection of the abandoned exchange closed").isTrue();
        upstream.releaseHeld();
    }

    private static int get(Socket s, String path) throws IOException {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return status(readResponse(s.getInputStream()));
    }

    private static int status(String response) {
        return Integer.parseInt(response.substring(9, 12));
    }

    /** One response with a Content-Length body (what TestUpstream sends). */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b).as("a response head").isNotNegative();
            head.write(b);
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        assertThat(in.readNBytes(length)).hasSize(length);
        return text;
    }
}
