package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.pkitesting.X509Bundle;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.H2Client;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.TestH2Upstream;
import io.tidegate.kernel.testing.TestPki;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.RetryPolicy;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteMatch;
import io.tidegate.spi.model.UpstreamTls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Clusters with {@code protocol: HTTP2}, against a real HTTP/2 server (Netty's frame codec, standing in for an
 * h2c application): HTTP/1.1 and HTTP/2 clients both go out as streams; trailers and bodies stream both
 * ways; SETTINGS_MAX_CONCURRENT_STREAMS, GOAWAY, REFUSED_STREAM and a lost connection are handled as
 * docs/engine.md ("Upstream HTTP/2 and gRPC") says.
 */
@ExtendWith(NoLeaks.class)
class Http2UpstreamTest {

    private static final Provenance ORIGIN = Provenance.of("test", "Http2UpstreamTest");

    private EngineHarness gateway;
    private TestH2Upstream upstream;

    @BeforeEach
    void start() throws Exception {
        gateway = EngineHarness.start();
    }

    @AfterEach
    void stop() {
        gateway.close();
        if (upstream != null) {
            upstream.close();
        }
    }

    private void serve(TestH2Upstream server) throws InterruptedException {
        this.upstream = server;
        gateway.publish(Fragment.of(List.of(Route.builder("refused", ORIGIN.withRule("refused"))
                                .match(RouteMatch.path(PathMatch.segmentPrefix("/refuse-once")))
                                .retries(new RetryPolicy(1, null, Set.of("refused-stream"), Set.of(), null))
                                .forwardTo("h2").build(),
                        Route.builder("h2", ORIGIN.withRule("h2")).forwardTo("h2").build()),
                List.of(h2Cluster("h2", server.port(), null))));
    }

    static Cluster h2Cluster(String name, int port, UpstreamTls tls) {
        return new Cluster(name, List.of(Endpoint.of("127.0.0.1", port)), Cluster.Resolution.STATIC,
                Cluster.UpstreamProtocol.HTTP2, LoadBalancer.ROUND_ROBIN, null, null, ConnectionLimits.UNLIMITED, null,
                null, tls, ORIGIN.withRule(name));
    }

    private long counter(String series) {
        for (String line : gateway.metrics().scrape().split("\n")) {
            if (line.startsWith(series + " ")) {
                return (long) Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        return 0;
    }

    @Test
    void anHttp11ChunkedRequestWithTrailersGoesOutAsAStreamAndItsTrailersComeBackChunked() throws Exception {
        serve(TestH2Upstream.start());
        String response = RawHttp.exchange(gateway.port(), "POST /echo HTTP/1.1\r\nHost: app.test\r\n"
                + "Transfer-Encoding: chunked\r\nTrailer: x-client-trailer\r\nConnection: close\r\n\r\n"
                + "5\r\nhello\r\n6\r\n world\r\n0\r\nx-client-trailer: sent\r\n\r\n", 5000);
        assertThat(response).startsWith("HTTP/1.1 200").containsIgnoringCase("transfer-encoding: chunked")
                .contains("x-upstream: h2").contains("hello").contains(" world")
                .contains("0\r\n").contains("x-upstream-trailer: done\r\n").contains("echo-x-client-trailer: sent\r\n");
        TestH2Upstream.Seen seen = upstream.nextStream();
        assertThat(seen.ended()).isTrue();
        assertThat(seen.header(":method")).isEqualTo("POST");
        assertThat(seen.header(":scheme")).isEqualTo("http");
        assertThat(seen.header(":authority")).isEqualTo("app.test");
        assertThat(seen.body()).isEqualTo("hello world");
        assertThat(seen.trailers()).containsEntry("x-client-trailer", "sent");
    }

    @Test
    void hopByHopHeadersAreStrippedAndTeTrailersIsKept() throws Exception {
        serve(TestH2Upstream.start());
        String response = RawHttp.exchange(gateway.port(), "GET /headers HTTP/1.1\r\nHost: app.test\r\n"
                + "Connection: close, x-hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n"
                + "Proxy-Connection: keep-alive\r\nX-Keep: yes\r\n\r\n", 5000);
        assertThat(response).startsWith("HTTP/1.1 200");
        TestH2Upstream.Seen seen = upstream.nextStream();
        assertThat(seen.headers()).containsEntry("te", "trailers").containsEntry("x-keep", "yes")
                .doesNotContainKeys("connection", "x-hop", "keep-alive", "proxy-connection", "host",
                        "transfer-encoding", "x-http2-scheme");
        assertThat(seen.header(":path")).isEqualTo("/headers");
        // A GET that ended with its head leaves as one HEADERS frame with END_STREAM, as every h2 client sends it.
        assertThat(seen.ended()).isTrue();
        assertThat(seen.dataFrames()).as("no empty DATA frame after the HEADERS").isZero();
        assertThat(seen.body()).isEmpty();
    }

    @Test
    void megabytesStreamBothWaysThroughTheFlowControlWindows() throws Exception {
        serve(TestH2Upstream.start());
        byte[] body = new byte[4 * 1024 * 1024];
        java.util.Arrays.fill(body, (byte) 'x');
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(gateway.uri("/echo"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).hasSize(body.length);
    }

    @Test
    void h2ClientsTrailersPassBothWaysOverAnUpstreamStream() throws Exception {
        serve(TestH2Upstream.start());
        try (H2Client c = H2Client.h2c(gateway.port())) {
            H2Client.Stream s = c.open().headers(H2Client.request("POST", "app.test", "/echo"), false)
                    .data("abc", false);
            s.headers(new io.netty.handler.codec.http2.DefaultHttp2Headers().set("x-client-trailer", "h2"), true);
            H2Client.Response r = s.response();
            assertThat(r.status()).isEqualTo("200");
            assertThat(r.body.toString()).isEqualTo("abc");
            assertThat(r.trailers.get("x-upstream-trailer").toString()).isEqualTo("done");
            assertThat(r.trailers.get("echo-x-client-trailer").toString()).isEqualTo("h2");
        }
    }

    @Test
    void aFullConnectionMakesThePoolOpenAnotherAndEveryStreamIsServed() throws Exception {
        serve(TestH2Upstream.start(2));
        try (H2Client c = H2Client.h2c(gateway.port())) { // one client connection: one event loop, one pool
            List<H2Client.Stream> streams = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                streams.add(c.open().headers(H2Client.request("GET", "app.test", "/hold"), true));
            }
            upstream.awaitHeld(5);
            assertThat(upstream.connections()).isEqualTo(3); // 2 + 2 + 1: never above the server's limit
            assertThat(counter("tidegate_upstream_http2_connections_active")).isEqualTo(3);
            upstream.releaseHeld();
            for (H2Client.Stream s : streams) {
                H2Client.Response r = s.response();
                assertThat(r.status()).isEqualTo("200");
                assertThat(r.body.toString()).isEqualTo("released");
            }
        }
        assertThat(counter("tidegate_upstream_http2_connections_opened_total{cluster=\"h2\"}")).isEqualTo(3);
        assertThat(counter("tidegate_upstream_http2_streams_total{cluster=\"h2\"}")).isEqualTo(5);
    }

    @Test
    void afterGoAwayInFlightStreamsFinishAndNewOnesGoToAnotherConnection() throws Exception {
        serve(TestH2Upstream.start());
        try (H2Client c = H2Client.h2c(gateway.port())) {
            H2Client.Stream inFlight = c.open().headers(H2Client.request("GET", "app.test", "/hold"), true);
            upstream.awaitHeld(1);
            upstream.goAway();
            // Whether the gateway read the GOAWAY before this request or refuses its stream after, it is served.
            H2Client.Response next = c.open().headers(H2Client.request("GET", "app.test", "/after"), true).response();
            assertThat(next.status()).isEqualTo("200");
            assertThat(upstream.connections()).isEqualTo(2);
            upstream.releaseHeld();
            H2Client.Response held = inFlight.response();
            assertThat(held.status()).isEqualTo("200");
            assertThat(held.body.toString()).isEqualTo("released");
        }
    }

    @Test
    void aRefusedStreamIsRetriedUnderRefusedStream() throws Exception {
        serve(TestH2Upstream.start());
        HttpResponse<String> r = gateway.client().send(HttpRequest.newBuilder(gateway.uri("/refuse-once"))
                .POST(HttpRequest.BodyPublishers.ofString("payload")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        TestH2Upstream.Seen refused = upstream.nextStream();
        assertThat(refused.ended()).isFalse();
        TestH2Upstream.Seen retried = upstream.nextStream();
        assertThat(retried.ended()).isTrue();
        assertThat(retried.body()).isEqualTo("payload");
        assertThat(counter("tidegate_upstream_retries_total{cluster=\"h2\"}")).isEqualTo(1);
    }

    @Test
    void aLostConnectionFailsItsStreamsAsResets() throws Exception {
        serve(TestH2Upstream.start());
        try (H2Client c = H2Client.h2c(gateway.port())) {
            H2Client.Stream silent = c.open().headers(H2Client.request("GET", "app.test", "/silent"), true);
            upstream.awaitHeld(1);
            upstream.dropConnections();
            H2Client.Response r = silent.response();
            assertThat(r.status()).isEqualTo("502");
            assertThat(r.body.toString()).contains("upstream closed the connection");
        }
    }

    @Test
    void anIdempotentRequestOnAReusedConnectionThatDiesGetsTheOneRetry() throws Exception {
        serve(TestH2Upstream.start());
        try (H2Client c = H2Client.h2c(gateway.port())) {
            assertThat(c.open().headers(H2Client.request("GET", "app.test", "/first"), true).response().status())
                    .isEqualTo("200");
            H2Client.Stream silent = c.open().headers(H2Client.request("GET", "app.test", "/silent"), true);
            upstream.awaitHeld(1);
            upstream.dropConnections();
            upstream.awaitHeld(1); // sent again, once, on a new connection
            upstream.dropConnections();
            H2Client.Response r = silent.response();
            assertThat(r.status()).isEqualTo("502");
            assertThat(upstream.connections()).isEqualTo(2);
        }
    }

    @Test
    void anH2RequestWhoseContentLengthDisagreesWithItsDataNeverReachesTheUpstreamWhole() throws Exception {
        serve(TestH2Upstream.start());
        try (H2Client c = H2Client.h2c(gateway.port())) {
            H2Client.Response longer = c.open().headers(H2Client.request("POST", "app.test", "/echo")
                    .setInt("content-length", 5), false).data("hello", false)
                    .data("GET /admin HTTP/1.1\r\nHost: raw.test\r\n\r\n", true).response();
            assertThat(longer.reset).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
            H2Client.Response shorter = c.open().headers(H2Client.request("POST", "app.test", "/echo")
                    .setInt("content-length", 50), false).data("hello", true).response();
            assertThat(shorter.reset).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
            H2Client.Response ok = c.open().headers(H2Client.request("GET", "app.test", "/still"), true).response();
            assertThat(ok.status()).isEqualTo("200");
        }
        // Whatever reached the upstream never ended: it was reset with the client's stream, and never re-framed.
        // The last request, answered, was seen; what the others left on the upstream was seen by then.
        TestH2Upstream.Seen seen;
        while (!(seen = upstream.nextStream()).header(":path").equals("/still")) {
            assertThat(seen.ended()).as("a stream the client broke").isFalse();
            assertThat(seen.body()).doesNotContain("/admin");
        }
    }

    @Test
    void activeHttpHealthChecksOfAnHttp2ClusterAreStreams() throws Exception {
        upstream = TestH2Upstream.start();
        Cluster checked = new Cluster("h2", List.of(Endpoint.of("127.0.0.1", upstream.port())),
                Cluster.Resolution.STATIC, Cluster.UpstreamProtocol.HTTP2, LoadBalancer.ROUND_ROBIN, null, null,
                ConnectionLimits.UNLIMITED, null, new io.tidegate.spi.model.HealthCheck(
                        io.tidegate.spi.model.HealthCheck.Kind.HTTP, "/healthz", "health.test", Set.of(),
                        java.time.Duration.ofSeconds(30), java.time.Duration.ofSeconds(5), 1, 1),
                null, ORIGIN.withRule("h2"));
        gateway.publish(Fragment.of(List.of(Route.builder("h2", ORIGIN.withRule("h2")).forwardTo("h2").build()),
                List.of(checked)));
        TestH2Upstream.Seen check = upstream.nextStream();
        assertThat(check.header(":path")).isEqualTo("/healthz");
        assertThat(check.header(":authority")).isEqualTo("health.test");
        assertThat(check.header("user-agent")).isEqualTo("tidegate-health-check");
        assertThat(check.headers()).doesNotContainKey("connection");
        // The verdict: polls a counter the event loop updates (as HealthEndToEndTest); the condition is the event.
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(15).toNanos();
        String success = "tidegate_health_checks_total{cluster=\"h2\",result=\"success\"}";
        while (counter(success) < 1) {
            assertThat(System.nanoTime()).as("a successful check within 15s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void anH2cClusterWhoseServerSpeaksOnlyHttp11FailsAsAConnectFailure() throws Exception {
        try (TestUpstream http11 = TestUpstream.start("http11")) {
            gateway.publish(Fragment.of(List.of(Route.builder("h2", ORIGIN.withRule("h2")).forwardTo("h2").build()),
                    List.of(h2Cluster("h2", http11.port(), null))));
            String response = RawHttp.exchange(gateway.port(), "GET / HTTP/1.1\r\nHost: app.test\r\n"
                    + "Connection: close\r\n\r\n", 10_000);
            // The server answers the preface with a 400 and closes, or waits for more: 502, or 504 once the
            // connect timeout passes without SETTINGS. Never a response the server did not give.
            assertThat(RawHttp.status(response)).isIn(502, 504);
            assertThat(response).contains("upstream connect");
        }
    }

    @Test
    void anHttp2ClusterOverTlsRefusesAServerThatDoesNotSelectH2() throws Exception {
        X509Bundle ca = TestPki.ca("ALPN CA");
        X509Bundle leaf = TestPki.server(ca, "app.internal");
        var serverContext = io.netty.handler.ssl.SslContextBuilder
                .forServer(leaf.getKeyPair().getPrivate(), leaf.getCertificatePath()).build();
        try (TestUpstream http11 = TestUpstream.startTls("http11", serverContext)) {
            UpstreamTls tls = new UpstreamTls("app.internal", ca.getCertificatePEM(), true, null, null, List.of(),
                    List.of());
            gateway.publish(Fragment.of(List.of(Route.builder("h2", ORIGIN.withRule("h2")).forwardTo("h2").build()),
                    List.of(h2Cluster("h2", http11.port(), tls))));
            String response = RawHttp.exchange(gateway.port(), "GET / HTTP/1.1\r\nHost: app.test\r\n"
                    + "Connection: close\r\n\r\n", 5000);
            assertThat(response).startsWith("HTTP/1.1 502").contains("upstream TLS handshake failed");
            assertThat(http11.requests()).isZero();
        }
    }
}
