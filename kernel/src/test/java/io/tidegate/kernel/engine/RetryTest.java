package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.RetryPolicy;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.Timeouts;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Retries through the real engine: conditions, attempts, body replay, per-try timeout, Retry-After. */
@ExtendWith(NoLeaks.class)
class RetryTest {

    private static final Provenance ORIGIN = Provenance.of("test", "RetryTest");

    EngineHarness gateway;
    TestUpstream bad;
    TestUpstream good;

    @BeforeEach
    void start() throws Exception {
        gateway = EngineHarness.start();
        bad = TestUpstream.start("bad");
        good = TestUpstream.start("good");
    }

    @AfterEach
    void stop() {
        gateway.close();
        bad.close();
        good.close();
    }

    void publish(RetryPolicy retries, Timeouts timeouts, String... endpoints) throws InterruptedException {
        List<Endpoint> list = java.util.Arrays.stream(endpoints).map(a -> Endpoint.of("127.0.0.1",
                Integer.parseInt(a.substring(a.indexOf(':') + 1)))).toList();
        gateway.publish(Fragment.of(List.of(Route.builder("r", ORIGIN.withRule("r")).forwardTo("svc")
                        .retries(retries).timeouts(timeouts).build()),
                List.of(Cluster.of("svc", list, ORIGIN.withRule("svc")))));
    }

    static RetryPolicy on(int attempts, String... conditions) {
        return new RetryPolicy(attempts, null, Set.of(conditions), Set.of(), Duration.ofMillis(1));
    }

    HttpResponse<String> send(String method, String path, String body) throws Exception {
        return gateway.client().send(HttpRequest.newBuilder(gateway.uri(path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return "127.0.0.1:" + s.getLocalPort(); // nothing listens there once closed
        }
    }

    @Test
    void aServerErrorIsRetriedOnAnotherEndpointAndTheClientSeesTheGoodAnswer() throws Exception {
        bad.failWith(503);
        publish(on(2, "5xx"), null, bad.address(), good.address());
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = send("GET", "/x", null);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).startsWith("good GET /x");
        }
        // Every try that reached the failing endpoint was retried (retries take turns of the balancer too).
        assertThat(bad.requests()).isGreaterThanOrEqualTo(3);
        assertThat(gateway.metrics().scrape())
                .contains("tidegate_upstream_retries_total{cluster=\"svc\"} " + bad.requests());
    }

    @Test
    void aPostBodyIsReplayedToTheNextTry() throws Exception {
        bad.failWith(502);
        publish(on(1, "gateway-error"), null, bad.address(), good.address());
        String body = "x".repeat(20_000);
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = send("POST", "/count", body);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("20000"); // the whole body reached the endpoint that answered
        }
    }

    @Test
    void aBodyTooLargeToKeepIsNotRetried() throws Exception {
        bad.failWith(503);
        publish(on(3, "5xx"), null, bad.address());
        HttpResponse<String> r = send("POST", "/count", "y".repeat(Exchange.RETRY_BUFFER_LIMIT + 1));
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(bad.requests()).isEqualTo(1);
    }

    @Test
    void attemptsBoundTheTriesAndTheLastAnswerIsForwarded() throws Exception {
        bad.failWith(500);
        publish(on(2, "5xx"), null, bad.address());
        assertThat(send("GET", "/x", null).statusCode()).isEqualTo(500);
        assertThat(bad.requests()).isEqualTo(3); // the first try and two retries
    }

    @Test
    void conditionsDecideWhatIsRetried() throws Exception {
        bad.failWith(500);
        publish(on(2, "gateway-error"), null, bad.address(), good.address());
        int served500 = 0;
        for (int i = 0; i < 4; i++) {
            served500 += send("GET", "/x", null).statusCode() == 500 ? 1 : 0;
        }
        assertThat(served500).as("a 500 is not a gateway error").isEqualTo(2);

        bad.failWith(409);
        publish(new RetryPolicy(1, null, Set.of("retriable-status-codes"), Set.of(409), Duration.ofMillis(1)), null,
                bad.address(), good.address());
        for (int i = 0; i < 4; i++) {
            assertThat(send("GET", "/x", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void connectFailuresAreRetried() throws Exception {
        publish(on(1, "connect-failure"), null, closedPort(), good.address());
        for (int i = 0; i < 4; i++) {
            assertThat(send("GET", "/x", null).statusCode()).isEqualTo(200);
        }
        publish(on(0, "connect-failure"), null, closedPort());
        assertThat(send("GET", "/x", null).statusCode()).isEqualTo(502);
    }

    @Test
    void aSlowTryIsAbandonedAtThePerTryTimeoutAndRetried() throws Exception {
        publish(new RetryPolicy(1, Duration.ofMillis(200), Set.of("5xx"), Set.of(), Duration.ofMillis(1)),
                new Timeouts(Duration.ofSeconds(5), null), bad.address(), good.address());
        // /slow answers after 2 s on both: every try times out after 200 ms, then the retry does too.
        long start = System.nanoTime();
        HttpResponse<String> r = send("GET", "/slow?ms=2000", null);
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500));
        assertThat(bad.requests() + good.requests()).isEqualTo(2);
    }

    @Test
    void retryAfterLongerThanTheRequestMayWaitReturnsTheUpstreamsAnswer() throws Exception {
        publish(on(2, "5xx"), new Timeouts(Duration.ofSeconds(2), null), bad.address());
        bad.failWith(503);
        bad.retryAfter("120");
        assertThat(send("GET", "/x", null).statusCode()).isEqualTo(503);
        assertThat(bad.requests()).isEqualTo(1);
        bad.retryAfter("1");
        long start = System.nanoTime();
        assertThat(send("GET", "/x", null).statusCode()).isEqualTo(503);
        // Waited the second it asked for before the retry, then gave up: no time for another second.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(bad.requests()).isEqualTo(3);
    }
}
