package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.MirrorPolicy;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.PathRewrite;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteMatch;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Request mirroring through the real engine, with a real primary and a real shadow upstream (or a
 * black hole: a listening socket nobody accepts on, standing in for a shadow that hangs).
 */
@ExtendWith(NoLeaks.class)
class MirrorTest {

    private static final Provenance ORIGIN = Provenance.of("test", "MirrorTest");

    EngineHarness gateway;
    TestUpstream primary;
    TestUpstream shadow;

    @BeforeEach
    void start() throws Exception {
        gateway = EngineHarness.start();
        primary = TestUpstream.start("primary");
        shadow = TestUpstream.start("shadow");
    }

    @AfterEach
    void stop() {
        gateway.close();
        primary.close();
        shadow.close();
    }

    void publish(double percent, int shadowPort) throws InterruptedException {
        Route route = Route.builder("r", ORIGIN.withRule("r"))
                .match(RouteMatch.path(PathMatch.segmentPrefix("/api")))
                .rewrite(PathRewrite.prefix("/"))
                .forwardTo("svc").addMirror(new MirrorPolicy("shadow", percent)).build();
        gateway.publish(Fragment.of(List.of(route), List.of(
                Cluster.of("svc", List.of(Endpoint.of("127.0.0.1", primary.port())), ORIGIN.withRule("svc")),
                Cluster.of("shadow", List.of(Endpoint.of("127.0.0.1", shadowPort)), ORIGIN.withRule("shadow")))));
    }

    HttpResponse<String> send(String method, String path, HttpRequest.BodyPublisher body) throws Exception {
        return gateway.client().send(HttpRequest.newBuilder(gateway.uri(path)).timeout(Duration.ofSeconds(20))
                .method(method, body).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyRequestIsCopiedWithItsRewrittenPathBodyAndAShadowAuthorityWhileTheClientGetsThePrimarysAnswer()
            throws Exception {
        publish(100, shadow.port());
        for (int i = 0; i < 5; i++) {
            byte[] body = ("request " + i + " ").repeat(1000).getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> r = send("POST", "/api/count?i=" + i, HttpRequest.BodyPublishers.ofByteArray(body));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(Integer.toString(body.length)); // the primary's answer

            TestUpstream.Seen main = primary.nextSeen();
            TestUpstream.Seen copy = shadow.nextSeen();
            assertThat(copy.method()).isEqualTo("POST");
            assertThat(copy.uri()).isEqualTo("/count?i=" + i);
            assertThat(main.uri()).isEqualTo(copy.uri());
            assertThat(main.header("host")).isEqualTo("127.0.0.1:" + gateway.port());
            assertThat(copy.header("host")).isEqualTo("127.0.0.1-shadow:" + gateway.port());
            assertThat(copy.header("x-request-id")).isEqualTo(main.header("x-request-id"));
            assertThat(copy.header("x-forwarded-for")).isEqualTo("127.0.0.1");

            CRC32 crc = new CRC32();
            crc.update(body);
            TestUpstream.Body copied = shadow.nextBody();
            assertThat(copied.length()).isEqualTo(body.length);
            assertThat(copied.crc32()).isEqualTo(crc.getValue());
        }
        assertThat(primary.requests()).isEqualTo(5);
    }

    @Test
    void aBodylessRequestIsCopiedToo() throws Exception {
        publish(100, shadow.port());
        HttpResponse<String> r = send("GET", "/api/hello", HttpRequest.BodyPublishers.noBody());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("primary GET /hello");
        assertThat(shadow.nextSeen().uri()).isEqualTo("/hello");
        assertThat(shadow.nextBody().length()).isZero();
    }

    @Test
    void aBlackHoledShadowNeverDelaysTheMainResponse() throws Exception {
        try (ServerSocket blackHole = new ServerSocket(0, 100)) { // listens, never accepts, never answers
            publish(100, blackHole.getLocalPort());
            // The route's timeout is 30 s and the client's 20 s: a main request that waited for its copy fails.
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> r = send("POST", "/api/count", HttpRequest.BodyPublishers.ofString("payload"));
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("7");
            }
            assertThat(primary.requests()).isEqualTo(10);
        }
    }

    @Test
    void aShadowThatRefusesConnectionsLeavesTheMainRequestAlone() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort(); // nothing listens there once closed
        }
        publish(100, closed);
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = send("GET", "/api/x", HttpRequest.BodyPublishers.noBody());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).startsWith("primary GET /x");
        }
        awaitMetric("tidegate_mirror_requests_total{cluster=\"shadow\",result=\"failed\"}", 5);
    }

    @Test
    void aLargeBodyStillStreamsToThePrimaryWhenItsCopyIsAbandoned() throws Exception {
        long size = 32L * 1024 * 1024; // far more than a stalled socket's buffers and the copy's bound
        try (ServerSocket blackHole = new ServerSocket(0, 100)) {
            publish(100, blackHole.getLocalPort());
            HttpResponse<String> r = send("POST", "/api/count",
                    HttpRequest.BodyPublishers.ofInputStream(() -> new Zeros(size)));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(Long.toString(size));
            // The copy gave up while the body streamed, before the primary could answer.
            assertThat(gateway.metrics().scrape())
                    .contains("tidegate_mirror_requests_total{cluster=\"shadow\",result=\"abandoned\"} 1");
        }
    }

    @Test
    void noRequestIsCopiedAtZeroPercent() throws Exception {
        publish(0, shadow.port());
        for (int i = 0; i < 400; i++) {
            assertThat(send("GET", "/api/x", HttpRequest.BodyPublishers.noBody()).statusCode()).isEqualTo(200);
        }
        assertThat(primary.requests()).isEqualTo(400);
        assertThat(shadow.requests()).isZero();
        assertThat(shadow.connections()).isZero();
    }

    @Test
    void aboutHalfTheRequestsAreCopiedAtFiftyPercent() throws Exception {
        publish(50, shadow.port());
        int n = 400;
        for (int i = 0; i < n; i++) {
            assertThat(send("GET", "/api/x", HttpRequest.BodyPublishers.noBody()).statusCode()).isEqualTo(200);
        }
        assertThat(primary.requests()).isEqualTo(n);
        // Binomial(400, 0.5): mean 200, standard deviation 10; 140..260 is six deviations each way.
        awaitMetricAtLeast("tidegate_mirror_requests_total{cluster=\"shadow\",result=\"mirrored\"}", 140);
        assertThat(shadow.requests()).isBetween(140, 260);
    }

    @Test
    void anUndefinedShadowClusterIsReportedOnItsFieldAndTheRouteStillServes() throws Exception {
        Route route = Route.builder("r", ORIGIN.withRule("r")).forwardTo("svc")
                .addMirror(new MirrorPolicy("nowhere", 100)).build();
        gateway.publish(Fragment.of(List.of(route), List.of(
                Cluster.of("svc", List.of(Endpoint.of("127.0.0.1", primary.port())), ORIGIN.withRule("svc")))));
        assertThat(gateway.reconciler().sources().get(0).diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.field()).isEqualTo("mirrors[0].cluster");
            assertThat(d.message()).isEqualTo("cluster 'nowhere' is not defined by any source; requests are not mirrored");
        });
        assertThat(send("GET", "/x", HttpRequest.BodyPublishers.noBody()).statusCode()).isEqualTo(200);
    }

    private double metric(String series) {
        return gateway.metrics().scrape().lines().filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private void awaitMetric(String series, double value) throws InterruptedException {
        awaitMetricAtLeast(series, value);
        assertThat(metric(series)).isEqualTo(value);
    }

    /** Copies end after their main request: waits for the counter the event loops update, not for time. */
    private void awaitMetricAtLeast(String series, double value) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (metric(series) < value) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(series + " < " + value + ": " + gateway.metrics().scrape());
            }
            Thread.sleep(5); // polls a counter the event loops update; the condition is what we wait for
        }
    }

    /** {@code n} zero bytes, read in large chunks. */
    private static final class Zeros extends InputStream {
        private long left;

        Zeros(long n) {
            this.left = n;
        }

        @Override
        public int read() {
            if (left == 0) {
                return -1;
            }
            left--;
            return 0;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            java.util.Arrays.fill(b, off, off + n, (byte) 0);
            left -= n;
            return n;
        }
    }
}
