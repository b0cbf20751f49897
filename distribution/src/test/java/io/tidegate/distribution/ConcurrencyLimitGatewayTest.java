package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.GatewayConfigLoader;
import io.tidegate.kernel.di.KernelComponent;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.TestUpstream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code concurrency-limit} end to end (ingress-nginx's {@code limit-connections}): the gateway as
 * {@code bin/tidegate run} builds it, PF4J loading the real policy-ratelimit JAR, a route binding from the
 * file source, and a real upstream that holds its answers until the test lets them go, so requests stay in
 * flight for as long as the test needs.
 */
@ExtendWith(NoLeaks.class)
class ConcurrencyLimitGatewayTest {

    @TempDir
    Path home;

    private Gateway gateway;
    private TestUpstream upstream;
    private final BlockingQueue<CompiledConfig> swaps = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        upstream = TestUpstream.start("app");
        TestInstall install = new TestInstall(home);
        install.writeRoutes("app.yaml", """
                clusters:
                  - name: app
                    endpoints: [127.0.0.1:%d]
                routes:
                  - name: held
                    forward: app
                    policies:
                      - id: concurrency-limit
                        limit: 2
                """.formatted(upstream.port()));
        Path file = install.conf.resolve("tidegate.yaml");
        Files.writeString(file, """
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                admin:
                  address: 127.0.0.1:0
                plugins:
                  dir: plugins
                sources:
                  - id: file
                    paths: [conf/routes.d]
                accessLog:
                  enabled: false
                """);
        GatewayConfig config = new GatewayConfigLoader().load(file, home);
        gateway = KernelComponent.factory().create(config).gateway();
        gateway.reconciler().addSwapListener(swaps::add);
        gateway.start();
        assertThat(swaps.poll(10, TimeUnit.SECONDS)).as("first generation").isNotNull();
    }

    @AfterEach
    void stop() {
        upstream.releaseHeld();
        gateway.close();
        upstream.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", gateway.engine().port("web"));
        s.setSoTimeout(10_000);
        return s;
    }

    private static void send(Socket s, String path) throws IOException {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: app.example.com\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    /** Reads one response with a Content-Length body; returns its status. */
    private static int readResponse(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head);
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        in.readNBytes(length);
        return RawHttp.status(text);
    }

    private int oneMore() throws IOException {
        return RawHttp.status(RawHttp.exchange(gateway.engine().port("web"),
                "GET /hold HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n", 3000));
    }

    /** Waits (at most 10 s) until {@code value} reads {@code expected}: the gateway's own count of work. */
    private static void awaitValue(LongSupplier value, long expected) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (value.getAsLong() != expected) {
            assertThat(System.nanoTime()).as("value reached " + expected + " within 10s").isLessThan(deadline);
            LockSupport.parkNanos(1_000_000); // polls a counter other threads update
        }
    }

    @Test
    void theRequestOverTheLimitGets503AndSlotsFreeAfterCompletionAndAfterAnAbort() throws Exception {
        try (Socket a = connect(); Socket b = connect()) {
            send(a, "/hold");
            send(b, "/hold");
            assertThat(upstream.awaitHeld(2)).as("two requests in flight at the upstream").isTrue();

            // The third concurrent request from the same IP is refused without reaching the upstream.
            int before = upstream.requests();
            assertThat(oneMore()).isEqualTo(503);
            assertThat(upstream.requests()).isEqualTo(before);

            // Both complete: their slots are free again. The next request on each connection is read only
            // after the previous exchange ended, so each is admitted again (two in flight once more).
            upstream.releaseHeld();
            assertThat(readResponse(a)).isEqualTo(200);
            assertThat(readResponse(b)).isEqualTo(200);
            send(a, "/hold");
            assertThat(upstream.awaitHeld(1)).isTrue();
            send(b, "/hold");
            assertThat(upstream.awaitHeld(1)).as("admitted after the first two completed").isTrue();
            assertThat(oneMore()).as("the count is exact: two in flight again").isEqualTo(503);

            // A client that goes away mid-request gives its slot back.
            a.close();
            awaitValue(gateway.engine()::activeRequests, 1);
            try (Socket c = connect()) {
                send(c, "/hold");
                assertThat(upstream.awaitHeld(1)).as("admitted in the aborted request's slot").isTrue();
                assertThat(oneMore()).isEqualTo(503);
                upstream.releaseHeld();
                assertThat(readResponse(b)).isEqualTo(200);
                assertThat(readResponse(c)).isEqualTo(200);
            }
        }
    }
}
