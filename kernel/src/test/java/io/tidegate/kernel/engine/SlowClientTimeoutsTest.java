package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Timeouts that stop slow clients from holding the gateway's resources. The listener's
 * {@code requestHeadersTimeout}, the slowloris guard: a head that trickles in a byte at a time
 * (so the keep-alive idle timer never fires) is answered 408 and closed once it has taken longer than the
 * timeout since its first byte, and nothing reaches the upstream; the timer starts at a head's first byte, so
 * a keep-alive connection that waits between requests longer than the timeout is not affected. The route's idle
 * timeout: a request body that stops arriving ends the exchange with 504 {@code idle timeout}.
 */
@ExtendWith(NoLeaks.class)
class SlowClientTimeoutsTest {

    static final Duration TIMEOUT = Duration.ofMillis(400);
    static EngineHarness gateway;
    static TestUpstream upstream;

    @BeforeAll
    static void start() throws Exception {
        gateway = EngineHarness.startWithListener(l -> l.withRequestHeadersTimeout(TIMEOUT));
        upstream = TestUpstream.start("u");
        Provenance p = Provenance.of("test", "SlowClientTimeoutsTest");
        gateway.publish(Fragment.of(List.of(
                Route.builder("stalled-body", p).match(io.tidegate.spi.model.RouteMatch.path(
                        io.tidegate.spi.model.PathMatch.exact("/count"))).timeouts(new io.tidegate.spi.model.Timeouts(
                        null, Duration.ofMillis(300))).forwardTo("u").build(),
                Route.builder("all", p).forwardTo("u").build()),
                List.of(Cluster.of("u", List.of(Endpoint.of("127.0.0.1", upstream.port())), p))));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    @Test
    void aHeadThatTricklesInIsAnswered408AndClosedWithoutReachingTheUpstream() throws Exception {
        long upstreamBytes = upstream.bytesReceived();
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("GET /slowloris HTTP/1.1\r\nHost: a\r\n".getBytes(StandardCharsets.US_ASCII));
            // One header line every read timeout (50 ms): never idle, and never done. The keep-alive timeout
            // (30 s in the harness) would not end this; the head timeout does.
            s.setSoTimeout(50);
            long started = System.nanoTime();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            int line = 0;
            while (true) {
                assertThat(System.nanoTime() - started).as("answered within 20 s")
                        .isLessThan(TimeUnit.SECONDS.toNanos(20));
                try {
                    out.write(("X-Drip-" + line++ + ": v\r\n").getBytes(StandardCharsets.US_ASCII));
                } catch (IOException closed) {
                    // the gateway closed after answering; what it answered is in the socket's receive buffer
                }
                try {
                    int b = in.read();
                    if (b < 0) {
                        break;
                    }
                    answer.write(b);
                    readToClose(in, answer);
                    break;
                } catch (SocketTimeoutException nothingYet) {
                    // keep dripping
                } catch (IOException reset) {
                    break;
                }
            }
            assertThat(System.nanoTime() - started).as("not before the timeout").isGreaterThanOrEqualTo(TIMEOUT.toNanos());
            String text = answer.toString(StandardCharsets.US_ASCII);
            assertThat(RawHttp.status(text)).as(text).isEqualTo(408);
            assertThat(text.toLowerCase()).contains("connection: close").contains("request headers timeout");
        }
        assertThat(upstream.bytesReceived()).as("nothing forwarded").isEqualTo(upstreamBytes);
    }

    @Test
    void theTimerStartsAtTheFirstByteOfEachHead() throws Exception {
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            // The upstream takes 2 x the timeout: the connection waits that long between two heads.
            assertThat(exchange(s, "/slow?ms=" + 2 * TIMEOUT.toMillis())).isEqualTo(200);
            assertThat(exchange(s, "/after-a-wait")).isEqualTo(200);
        }
    }

    @Test
    void aRequestBodyThatStopsArrivingEndsWithTheIdleTimeout() throws Exception {
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            // Taken before the write: the gateway arms its timer as soon as the bytes arrive, which may be
            // before write() returns here.
            long started = System.nanoTime();
            s.getOutputStream().write(("POST /count HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n"
                    + "ten bytes.").getBytes(StandardCharsets.US_ASCII));
            // ... and the other 90 never come.
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            readToClose(s.getInputStream(), answer);
            String text = answer.toString(StandardCharsets.US_ASCII);
            assertThat(RawHttp.status(text)).as(text).isEqualTo(504);
            assertThat(text).contains("idle timeout");
            assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
        }
    }

    /** Reads what arrives until the close; a reset (the drip the gateway did not read) ends it too. */
    private static void readToClose(InputStream in, ByteArrayOutputStream answer) {
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                answer.write(buf, 0, n);
            }
        } catch (IOException resetOrSlow) {
            // what was read is kept
        }
    }

    /** One keep-alive exchange; the status. */
    private static int exchange(Socket s, String path) throws IOException {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head);
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                in.readNBytes(Integer.parseInt(line.substring(15).trim()));
            }
        }
        return RawHttp.status(text);
    }
}
