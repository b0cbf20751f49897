package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.HeaderEdits;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.model.HealthStatus;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.PathRewrite;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.RouteMatch;
import io.tidegate.spi.model.SocketAddress;
import io.tidegate.spi.model.Timeouts;
import io.tidegate.spi.model.WeightedCluster;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The engine end to end: a real client, the real engine on loopback, real upstream servers.
 */
@ExtendWith(NoLeaks.class)
class ProxyEndToEndTest {

    private static final Provenance ORIGIN = Provenance.of("test", "ProxyEndToEndTest");

    static EngineHarness gateway;
    static TestUpstream a;
    static TestUpstream b;

    @BeforeAll
    static void start() throws Exception {
        gateway = EngineHarness.start();
        a = TestUpstream.start("a");
        b = TestUpstream.start("b");
    }

    @AfterAll
    static void stop() {
        gateway.close();
        a.close();
        b.close();
    }

    static Cluster cluster(String name, String... addresses) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (String address : addresses) {
            endpoints.add(new Endpoint(SocketAddress.parse(address), 1, Map.of(), HealthStatus.HEALTHY));
        }
        return Cluster.of(name, endpoints, ORIGIN.withRule(name));
    }

    static Route.Builder route(String name, List<String> hosts, PathMatch path) {
        return Route.builder(name, ORIGIN.withRule(name)).match(RouteMatch.hostsAndPath(hosts, path));
    }

    HttpResponse<String> get(String path, String host) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(gateway.uri(path)).timeout(Duration.ofSeconds(10));
        if (host != null) {
            r.header("X-Test-Host", host); // java.net.http forbids setting Host; see hostRouting
        }
        return gateway.client().send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void routesByHostAndPathWithFirstMatchWinning() throws Exception {
        gateway.publish(Fragment.of(List.of(
                route("api-b", List.of("b.example.com"), PathMatch.segmentPrefix("/api")).forwardTo("b").build(),
                route("host-a", List.of("a.example.com"), null).forwardTo("a").build(),
                route("fallback", List.of(), PathMatch.segmentPrefix("/"))
                        .action(new RouteAction.DirectResponse(200, "fallback", List.of())).build()),
                List.of(cluster("a", a.address()), cluster("b", b.address()))));

        assertThat(RawHttp.exchange(gateway.port(), "GET /x HTTP/1.1\r\nHost: a.example.com\r\nConnection: close\r\n\r\n",
                2000)).contains("200 OK").contains("a GET /x");
        assertThat(RawHttp.exchange(gateway.port(),
                "GET /api/users HTTP/1.1\r\nHost: B.Example.com:8080\r\nConnection: close\r\n\r\n", 2000))
                .contains("b GET /api/users");
        // /apix is not under the segment prefix /api: falls through to the fallback
        assertThat(RawHttp.exchange(gateway.port(), "GET /apix HTTP/1.1\r\nHost: b.example.com\r\nConnection: close\r\n\r\n",
                2000)).contains("200 OK").endsWith("fallback");
    }

    @Test
    void setsForwardingHeadersAndStripsHopByHopOnes() throws Exception {
        gateway.publish(Fragment.of(List.of(route("all", List.of(), null).forwardTo("a").build()),
                List.of(cluster("a", a.address()))));
        String raw = RawHttp.exchange(gateway.port(), "GET /h?q=1 HTTP/1.1\r\nHost: shop.example.com\r\n"
                + "X-Forwarded-For: 203.0.113.9\r\nConnection: close, X-Hop\r\nX-Hop: secret\r\nKeep-Alive: 5\r\n"
                + "TE: trailers\r\nProxy-Connection: keep-alive\r\nX-Keep: yes\r\n\r\n", 2000);
        assertThat(RawHttp.status(raw)).isEqualTo(200);
        String seen = raw.substring(raw.indexOf("\r\n\r\n") + 4);
        assertThat(seen).contains("a GET /h?q=1")
                .contains("host: shop.example.com")
                .contains("x-forwarded-for: 203.0.113.9, 127.0.0.1")
                .contains("x-real-ip: 127.0.0.1")
                .contains("x-forwarded-proto: http")
                .contains("x-forwarded-host: shop.example.com")
                .contains("x-forwarded-port: " + gateway.port())
                .containsPattern("x-request-id: [0-9a-f]{32}\n")
                .contains("x-keep: yes")
                .doesNotContain("x-hop").doesNotContain("keep-alive: 5").doesNotContain("te: trailers")
                .doesNotContain("proxy-connection");

        String kept = RawHttp.exchange(gateway.port(), "GET / HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc-123\r\n"
                + "Connection: close\r\n\r\n", 2000);
        assertThat(kept).contains("x-request-id: abc-123\n");
    }

    @Test
    void aClientCannotStripTheFramingThroughConnection() throws Exception {
        gateway.publish(Fragment.of(List.of(route("count", List.of(), null).forwardTo("a").build()),
                List.of(cluster("a", a.address()))));
        String smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
        String raw = RawHttp.exchange(gateway.port(), "POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: "
                + smuggled.length() + "\r\nConnection: Content-Length, Host, Transfer-Encoding\r\n\r\n" + smuggled
                + "GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3000);
        // The upstream got the body as a body (its length echoed back), then the client's real second request.
        assertThat(raw).contains("\r\n\r\n" + smuggled.length()).contains("a GET /after").doesNotContain("/smuggled");
    }

    @Test
    void localAnswersToBodylessRequestsKeepTheConnection() throws Exception {
        gateway.publish(Fragment.of(List.of(route("direct", List.of(), PathMatch.exact("/d"))
                .action(new RouteAction.DirectResponse(200, "d", List.of())).build()), List.of()));
        String raw = RawHttp.exchange(gateway.port(), "GET /d HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /missing HTTP/1.1\r\nHost: x\r\n\r\nGET /d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                3000);
        assertThat(raw.split("HTTP/1.1 ", -1)).hasSize(4); // three responses on one connection
        assertThat(raw.indexOf("404")).isBetween(raw.indexOf("200"), raw.lastIndexOf("200"));
        assertThat(raw.substring(0, raw.lastIndexOf("HTTP/1.1 200")).toLowerCase()).doesNotContain("connection: close");
    }

    @Test
    void reusesOneUpstreamConnectionForSequentialRequests() throws Exception {
        try (TestUpstream fresh = TestUpstream.start("fresh")) {
            gateway.publish(Fragment.of(List.of(route("reuse", List.of(), null).forwardTo("fresh").build()),
                    List.of(cluster("fresh", fresh.address()))));
            for (int i = 0; i < 100; i++) {
                HttpResponse<String> r = get("/n/" + i, null);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).startsWith("fresh GET /n/" + i);
            }
            assertThat(fresh.requests()).isEqualTo(100);
            assertThat(fresh.connections()).isEqualTo(1);
        }
    }

    @Test
    void answersGatewayErrorsWithShortBodies() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Cluster empty = Cluster.of("empty", List.of(new Endpoint(SocketAddress.parse(a.address()), 1, Map.of(),
                HealthStatus.UNHEALTHY)), ORIGIN);
        gateway.publish(Fragment.of(List.of(
                route("down", List.of(), PathMatch.exact("/down")).forwardTo("down").build(),
                route("missing", List.of(), PathMatch.exact("/missing")).forwardTo("nobody-defines-this").build(),
                route("unhealthy", List.of(), PathMatch.exact("/unhealthy")).forwardTo("empty").build(),
                route("unused", List.of(), PathMatch.exact("/unused")).forwardTo("a").build()),
                List.of(cluster("down", "127.0.0.1:" + closedPort), empty, cluster("a", a.address()))));

        HttpResponse<String> down = get("/down", null);
        assertThat(down.statusCode()).isEqualTo(502);
        assertThat(down.body()).isEqualTo("502 Bad Gateway: upstream connect failed\n");
        assertThat(get("/missing", null).statusCode()).isEqualTo(503);
        assertThat(get("/missing", null).body()).contains("cluster not found");
        assertThat(get("/unhealthy", null).body()).isEqualTo("503 Service Unavailable: no healthy upstream\n");
        assertThat(get("/nothing-here", null).statusCode()).isEqualTo(404);

    }

    @Test
    void timesOutAndReportsUpstreamResets() throws Exception {
        gateway.publish(Fragment.of(List.of(
                route("slow", List.of(), PathMatch.exact("/slow"))
                        .timeouts(new Timeouts(Duration.ofMillis(300), null)).forwardTo("a").build(),
                route("close", List.of(), PathMatch.exact("/close")).forwardTo("a").build()),
                List.of(cluster("a", a.address()))));
        long started = System.nanoTime();
        HttpResponse<String> slow = get("/slow?ms=3000", null);
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(slow.statusCode()).isEqualTo(504);
        assertThat(slow.body()).contains("upstream request timeout");
        assertThat(tookMs).isBetween(250L, 2500L);

        HttpResponse<String> reset = get("/close", null);
        assertThat(reset.statusCode()).isEqualTo(502);
        assertThat(reset.body()).contains("upstream closed the connection");
    }

    @Test
    void splitsByWeightWithSmoothRoundRobin() throws Exception {
        Cluster weighted = new Cluster("weighted", List.of(
                new Endpoint(SocketAddress.parse(a.address()), 3, Map.of(), HealthStatus.HEALTHY),
                new Endpoint(SocketAddress.parse(b.address()), 1, Map.of(), HealthStatus.HEALTHY)),
                Cluster.Resolution.STATIC, Cluster.UpstreamProtocol.HTTP1, LoadBalancer.ROUND_ROBIN, null, null, null,
                null, null, null, ORIGIN);
        gateway.publish(Fragment.of(List.of(route("w", List.of(), null).forwardTo("weighted").build()),
                List.of(weighted)));
        int toA = 0;
        for (int i = 0; i < 40; i++) {
            if (get("/w", null).body().startsWith("a ")) {
                toA++;
            }
        }
        assertThat(toA).isEqualTo(30);
    }

    @Test
    void redirectsRespondsDirectlyAndRewrites() throws Exception {
        gateway.publish(Fragment.of(List.of(
                route("old", List.of(), PathMatch.segmentPrefix("/old"))
                        .action(new RouteAction.Redirect("https", null, null, null, "/new", 301, false)).build(),
                route("health", List.of(), PathMatch.exact("/healthz"))
                        .action(new RouteAction.DirectResponse(200, "ok\n",
                                List.of(new HeaderValue("content-type", "text/plain")))).build(),
                route("v1", List.of(), PathMatch.segmentPrefix("/v1"))
                        .rewrite(new PathRewrite("/", null, null, null, "internal.example"))
                        .requestHeaders(new HeaderEdits(List.of(new HeaderValue("x-set", "1")), List.of(),
                                List.of("x-drop")))
                        .responseHeaders(new HeaderEdits(List.of(new HeaderValue("x-resp", "r")), List.of(),
                                List.of("x-upstream")))
                        .forwardTo("a").build()),
                List.of(cluster("a", a.address()))));

        String redirect = RawHttp.exchange(gateway.port(),
                "GET /old/page?x=1 HTTP/1.1\r\nHost: shop.example.com:8080\r\nConnection: close\r\n\r\n", 2000);
        assertThat(RawHttp.status(redirect)).isEqualTo(301);
        assertThat(redirect).contains("location: https://shop.example.com/new/page?x=1");

        HttpResponse<String> health = get("/healthz", null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("ok\n");

        HttpResponse<String> rewritten = gateway.client().send(HttpRequest.newBuilder(gateway.uri("/v1/users?id=7"))
                .header("x-drop", "gone").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(rewritten.body()).startsWith("a GET /users?id=7\n").contains("host: internal.example")
                .contains("x-set: 1").doesNotContain("x-drop");
        assertThat(rewritten.headers().firstValue("x-resp")).hasValue("r");
        assertThat(rewritten.headers().firstValue("x-upstream")).isEmpty();
    }

    @Test
    void answersPipelinedRequestsInOrderAndHeadWithoutBody() throws Exception {
        gateway.publish(Fragment.of(List.of(route("p", List.of(), null).forwardTo("a").build()),
                List.of(cluster("a", a.address()))));
        String raw = RawHttp.exchange(gateway.port(), "GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
                + "HEAD /two HTTP/1.1\r\nHost: x\r\n\r\nGET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                3000);
        int one = raw.indexOf("a GET /one");
        int two = raw.indexOf("HTTP/1.1 200", raw.indexOf("HTTP/1.1 200") + 1);
        int three = raw.indexOf("a GET /three");
        assertThat(one).isPositive();
        assertThat(two).isGreaterThan(one);
        assertThat(three).isGreaterThan(two);
        assertThat(raw).doesNotContain("a HEAD /two"); // HEAD: headers only
    }

    @Test
    void streamsFiftyMebibytesBothWaysWithBoundedMemory() throws Exception {
        gateway.publish(Fragment.of(List.of(route("echo", List.of(), null).forwardTo("a").build()),
                List.of(cluster("a", a.address()))));
        long size = 50L * 1024 * 1024;
        AtomicLong maxDirect = new AtomicLong();
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long heapBefore = rt.totalMemory() - rt.freeMemory();
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
        // Up: the upstream counts what arrives. Down: the upstream streams zeros. (Full-duplex echo
        // would need a client that reads while it sends; java.net.http reads after sending.)
        HttpResponse<String> up = gateway.client().send(HttpRequest.newBuilder(gateway.uri("/count"))
                .POST(HttpRequest.BodyPublishers.fromPublisher(new ZeroPublisher(size), size)).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<InputStream> response = gateway.client().send(
                HttpRequest.newBuilder(gateway.uri("/bytes?n=" + size)).build(), HttpResponse.BodyHandlers.ofInputStream());
        long received = 0;
        try (InputStream in = response.body()) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                received += n;
            }
        }
        sampler.interrupt();
        sampler.join();
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(up.body()).isEqualTo(Long.toString(size));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(received).isEqualTo(size);
        // The engine's buffers are pooled direct memory. Gateway, upstream and client share this JVM, and
        // all of them together peak far below the body size: nothing aggregated it.
        assertThat(maxDirect.get()).as("peak direct memory").isLessThan(24L * 1024 * 1024);
        // The peak heap is the test client's garbage (a fresh ByteBuffer per chunk); what matters is
        // that nothing of the bodies is retained.
        System.gc();
        assertThat(rt.totalMemory() - rt.freeMemory() - heapBefore).as("heap retained").isLessThan(16L * 1024 * 1024);
    }

    @Test
    void inFlightRequestFinishesOnItsGenerationAcrossASwap() throws Exception {
        gateway.publish(Fragment.of(List.of(route("gen1", List.of(), null).forwardTo("a").build()),
                List.of(cluster("a", a.address()))));
        CompletableFuture<HttpResponse<String>> inFlight = gateway.client().sendAsync(
                HttpRequest.newBuilder(gateway.uri("/slow?ms=700")).build(), HttpResponse.BodyHandlers.ofString());
        a.nextSeenMatching("/slow?ms=700");
        gateway.publish(Fragment.of(List.of(route("gen2", List.of(), null).forwardTo("b").build()),
                List.of(cluster("b", b.address()))));
        HttpResponse<String> slow = inFlight.get();
        assertThat(slow.statusCode()).isEqualTo(200);
        assertThat(slow.body()).startsWith("a GET /slow?ms=700");
        assertThat(get("/after", null).body()).startsWith("b GET /after");
    }

    /** A request body of zeros, produced as the client asks for it. */
    static final class ZeroPublisher implements Flow.Publisher<ByteBuffer> {
        private final long size;

        ZeroPublisher(long size) {
            this.size = size;
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            subscriber.onSubscribe(new Flow.Subscription() {
                long sent;
                boolean done;

                @Override
                public synchronized void request(long n) {
                    for (long i = 0; i < n && !done; i++) {
                        if (sent >= size) {
                            done = true;
                            subscriber.onComplete();
                            return;
                        }
                        int chunk = (int) Math.min(64 * 1024, size - sent);
                        sent += chunk;
                        subscriber.onNext(ByteBuffer.allocate(chunk));
                    }
                }

                @Override
                public void cancel() {
                    done = true;
                }
            });
        }
    }
}
