package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.pkitesting.X509Bundle;
import io.tidegate.kernel.config.ListenerTls;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.H2Client;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestPki;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.kernel.testing.TlsClient;
import io.tidegate.kernel.testing.TlsHarness;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteMatch;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Downstream HTTP/2 end to end, proxied to HTTP/1.1 upstreams: the JDK client over TLS with ALPN h2, a
 * Netty client and curl with h2c prior knowledge, real upstreams on loopback.
 */
@ExtendWith(NoLeaks.class)
class Http2EndToEndTest {

    private static final Provenance ORIGIN = Provenance.of("test", "Http2EndToEndTest");

    static X509Bundle ca;
    static EngineHarness gateway;
    static TlsHarness secure;
    static TestUpstream upstream;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.start("app");
        var deny = new io.tidegate.kernel.config.GatewayConfig.PluginEntry("test-policy", "deny",
                EngineHarness.settings(Map.of("mode", "deny-if-header")), List.of());
        gateway = EngineHarness.start(EngineHarness.defaults(), 0,
                Map.of("test-policy", new PolicyChainTest.TestPolicyFactory()), List.of(deny));
        gateway.publish(fragment());
        ca = TestPki.ca("H2 CA");
        X509Bundle leaf = TestPki.server(ca, "127.0.0.1", "a.test");
        ListenerTls d = ListenerTls.defaults();
        secure = TlsHarness.start(new ListenerTls("default.pem", TestPki.chainPem(leaf), leaf.getPrivateKeyPEM(),
                d.minVersion(), List.of(), ListenerTls.ClientAuth.NONE, null, d.sessionTimeout(), d.sessionCacheSize(),
                d.handshakeTimeout()));
        secure.publish(fragment());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        secure.close();
        upstream.close();
    }

    static Fragment fragment() {
        Route app = Route.builder("app", ORIGIN.withRule("app"))
                .match(RouteMatch.hostsAndPath(List.of("127.0.0.1", "a.test"), PathMatch.segmentPrefix("/")))
                .forwardTo("app").build();
        Cluster cluster = Cluster.of("app", List.of(Endpoint.of("127.0.0.1", upstream.port())), ORIGIN.withRule("c"));
        return Fragment.of(List.of(app), List.of(cluster));
    }

    private static String authority() {
        return "a.test:" + gateway.port();
    }

    // ---- h2 over TLS, the JDK client ------------------------------------------------------------------

    @Test
    void theJdkClientSpeaksH2OverTlsWithAlpnAndManyStreamsShareOneConnection() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(TlsClient.context(ca, null)).connectTimeout(Duration.ofSeconds(5)).build();
        URI base = URI.create("https://127.0.0.1:" + secure.port());
        long connections = counter("tidegate_http2_connections_total{listener=\"websecure\"}");
        long streams = counter("tidegate_http2_streams_total{listener=\"websecure\"}");
        HttpResponse<String> first = client.send(HttpRequest.newBuilder(base.resolve("/hello?x=1")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(first.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).startsWith("app GET /hello?x=1\n").contains("host: 127.0.0.1:" + secure.port())
                .contains("x-forwarded-proto: https").doesNotContain("x-http2-");
        assertThat(first.headers().firstValue("x-upstream")).hasValue("app");

        int before = upstream.requests();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            HttpRequest r = i % 2 == 0
                    ? HttpRequest.newBuilder(base.resolve("/slow?ms=20&i=" + i)).build()
                    : HttpRequest.newBuilder(base.resolve("/count?i=" + i))
                    .POST(HttpRequest.BodyPublishers.ofString("x".repeat(i))).build();
            all.add(client.sendAsync(r, HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < all.size(); i++) {
            HttpResponse<String> r = all.get(i).get();
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(r.statusCode()).isEqualTo(200);
            if (i % 2 == 1) {
                assertThat(r.body()).isEqualTo(Integer.toString(i));
            }
        }
        assertThat(upstream.requests() - before).isEqualTo(50);
        assertThat(counter("tidegate_http2_connections_total{listener=\"websecure\"}") - connections)
                .as("one connection for all 51 requests").isEqualTo(1);
        assertThat(counter("tidegate_http2_streams_total{listener=\"websecure\"}") - streams).isEqualTo(51);
    }

    private static long counter(String series) {
        return secure.metrics().scrape().lines().filter(l -> l.startsWith(series + " "))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(series.length() + 1).trim())).findFirst()
                .orElse(0);
    }

    @Test
    void nettyClientOverTlsGetsH2AndTrailers() throws Exception {
        SslContext tls = SslContextBuilder.forClient().trustManager(ca.getCertificate())
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2)).build();
        try (H2Client c = H2Client.tls(secure.port(), tls)) {
            H2Client.Response r = c.open().headers(H2Client.request("GET", "a.test", "/trailers")
                    .scheme("https"), true).response();
            assertThat(r.status()).isEqualTo("200");
            assertThat(r.body.toString()).isEqualTo("hello");
            assertThat(r.trailers).isNotNull();
            assertThat(r.trailers.get("x-checksum").toString()).isEqualTo("abc");
        }
    }

    // ---- h2c prior knowledge ---------------------------------------------------------------------------

    @Test
    void h2cPriorKnowledgeServesIndependentStreamsWithRoutingPoliciesAnd404() throws Exception {
        try (H2Client c = H2Client.h2c(gateway.port())) {
            List<H2Client.Stream> slow = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                slow.add(c.open().headers(H2Client.request("GET", authority(), "/slow?ms=100&i=" + i), true));
            }
            H2Client.Response missing = c.open().headers(H2Client.request("GET", "nope.test", "/x"), true).response();
            assertThat(missing.status()).isEqualTo("404");
            H2Client.Response denied = c.open().headers(H2Client.request("GET", authority(), "/d")
                    .add("x-deny", "1"), true).response();
            assertThat(denied.status()).isEqualTo("403");
            assertThat(denied.headers.get("x-denied-by").toString()).isEqualTo("test");
            for (int i = 0; i < slow.size(); i++) {
                H2Client.Response r = slow.get(i).response();
                assertThat(r.status()).isEqualTo("200");
                assertThat(r.body.toString()).startsWith("app GET /slow?ms=100&i=" + i + "\n")
                        .contains("x-forwarded-proto: http\n").doesNotContain("x-http2-");
            }
            H2Client.Response post = c.open().headers(H2Client.request("POST", authority(), "/count")
                    .setInt("content-length", 11), false).data("hello world", true).response();
            assertThat(post.status()).isEqualTo("200");
            assertThat(post.body.toString()).isEqualTo("11");
        }
    }

    @Test
    void responseHeadersAreLowerCaseWithoutHopByHopAndTrailersPass() throws Exception {
        try (H2Client c = H2Client.h2c(gateway.port())) {
            H2Client.Response r = c.open().headers(H2Client.request("GET", authority(), "/trailers"), true).response();
            assertThat(r.status()).isEqualTo("200");
            List<String> names = new ArrayList<>();
            r.headers.forEach(e -> names.add(e.getKey().toString()));
            assertThat(names).contains("x-mixed-case").doesNotContain("keep-alive", "connection", "x-private",
                    "transfer-encoding");
            assertThat(names).allSatisfy(n -> assertThat(n).isEqualTo(n.toLowerCase(java.util.Locale.ROOT)));
            assertThat(r.body.toString()).isEqualTo("hello");
            assertThat(r.trailers.get("x-checksum").toString()).isEqualTo("abc");
        }
    }

    @Test
    void curlWithPriorKnowledgeSpeaksH2c() throws Exception {
        Process p = new ProcessBuilder("curl", "-s", "--http2-prior-knowledge", "-H", "Host: a.test",
                "-w", "\n%{http_version} %{response_code}", "http://127.0.0.1:" + gateway.port() + "/curl")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        assertThat(out).startsWith("app GET /curl\n").endsWith("\n2 200");
    }

    @Test
    void http11StillWorksOnAnH2cListenerAndH2cUpgradeIsIgnored() throws Exception {
        String raw = io.tidegate.kernel.testing.RawHttp.exchange(gateway.port(),
                "GET /h1 HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                        + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nConnection: close\r\n\r\n", 3000);
        assertThat(raw).startsWith("HTTP/1.1 200").contains("app GET /h1").doesNotContain("upgrade: h2c");
    }

    // ---- flow control ----------------------------------------------------------------------------------

    @Test
    void aLargeBodyStreamsBothWaysWhileAnotherStreamOfTheConnectionKeepsWorking() throws Exception {
        int size = 8 * 1024 * 1024;
        try (H2Client c = H2Client.h2c(gateway.port())) {
            // Stream A uploads 8 MiB to the echo and does not read its response yet: the gateway must stop
            // reading A's upstream, then A's upstream stops reading, then A's window closes. Nothing else.
            H2Client.Stream a = c.open(false).headers(H2Client.request("POST", authority(), "/echo"), false);
            for (int off = 0; off < size; off += 16384) {
                a.data(Unpooled.wrappedBuffer(new byte[16384]), off + 16384 >= size);
            }
            for (int i = 0; i < 5; i++) {
                H2Client.Response b = c.open().headers(H2Client.request("GET", authority(), "/b" + i), true)
                        .response();
                assertThat(b.status()).isEqualTo("200");
                assertThat(b.body.toString()).startsWith("app GET /b" + i);
            }
            a.resume();
            H2Client.Response echoed = a.response();
            assertThat(echoed.status()).isEqualTo("200");
            assertThat(echoed.bodyBytes).isEqualTo(size);
        }
    }

    // ---- malformed requests ----------------------------------------------------------------------------

    @Test
    void aContentLengthThatDisagreesWithTheDataResetsTheStreamAndTheConnectionLivesOn() throws Exception {
        try (H2Client c = H2Client.h2c(gateway.port())) {
            H2Client.Response longer = c.open().headers(H2Client.request("POST", authority(), "/count")
                    .setInt("content-length", 5), false).data("hello world", true).response();
            assertThat(longer.reset).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
            H2Client.Response shorter = c.open().headers(H2Client.request("POST", authority(), "/count")
                    .setInt("content-length", 50), false).data("hello", true).response();
            assertThat(shorter.reset).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
            H2Client.Response ok = c.open().headers(H2Client.request("GET", authority(), "/after"), true).response();
            assertThat(ok.status()).isEqualTo("200");
        }
    }

    @Test
    void missingPseudoHeadersAndConnectionSpecificHeadersAreStreamErrors() throws Exception {
        try (H2Client c = H2Client.h2c(gateway.port())) {
            Http2Headers noPath = new io.netty.handler.codec.http2.DefaultHttp2Headers(false).method("GET")
                    .scheme("http").authority(authority());
            assertThat(c.open().headers(noPath, true).response().reset).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
            Http2Headers noMethod = new io.netty.handler.codec.http2.DefaultHttp2Headers(false).path("/x")
                    .scheme("http").authority(authority());
            assertThat(c.open().headers(noMethod, true).response().reset).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
            Http2Headers connection = H2Client.request("GET", authority(), "/x").add("connection", "keep-alive");
            assertThat(c.open().headers(connection, true).response().reset)
                    .isEqualTo(Http2Error.PROTOCOL_ERROR.code());
            H2Client.Response ok = c.open().headers(H2Client.request("GET", authority(), "/still"), true).response();
            assertThat(ok.status()).isEqualTo("200");
        }
    }

    @Test
    void connectOverHttp2IsAnswered405AndTheConnectionServesOn() throws Exception {
        try (H2Client c = H2Client.h2c(gateway.port())) {
            Http2Headers connect = new io.netty.handler.codec.http2.DefaultHttp2Headers(false).method("CONNECT")
                    .authority("example.test:443"); // RFC 9113 8.5: no :scheme, no :path
            H2Client.Response refused = c.open().headers(connect, true).response();
            assertThat(refused.status()).isEqualTo("405");
            assertThat(refused.body.toString()).contains("CONNECT is not allowed"); // no forward proxy here
            assertThat(c.open().headers(H2Client.request("GET", authority(), "/after"), true).response().status())
                    .isEqualTo("200");
        }
    }

    @Test
    void aBodyLongerThanItsContentLengthNeverReachesTheUpstream() throws Exception {
        try (java.net.ServerSocket raw = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Provenance p = ORIGIN.withRule("raw");
            try (EngineHarness g = EngineHarness.start()) {
                g.publish(Fragment.of(List.of(Route.builder("raw", p).forwardTo("raw").build()),
                        List.of(Cluster.of("raw", List.of(Endpoint.of("127.0.0.1", raw.getLocalPort())), p))));
                CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                    try (java.net.Socket s = raw.accept()) {
                        s.setSoTimeout(10_000);
                        return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                    } catch (java.io.IOException e) {
                        return "failed: " + e;
                    }
                });
                try (H2Client c = H2Client.h2c(g.port())) {
                    H2Client.Response r = c.open().headers(H2Client.request("POST", "raw.test", "/smuggle")
                            .setInt("content-length", 5), false).data("hello", false)
                            .data("GET /admin HTTP/1.1\r\nHost: raw.test\r\n\r\n", true).response();
                    assertThat(r.reset).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
                    // The gateway closes the upstream connection with the stream: what it got is all it gets.
                    String upstream = received.get(15, java.util.concurrent.TimeUnit.SECONDS);
                    assertThat(upstream).doesNotContain("/admin");
                    if (!upstream.isEmpty()) {
                        assertThat(upstream).startsWith("POST /smuggle HTTP/1.1\r\n").contains("content-length: 5\r\n");
                    }
                }
            }
        }
    }

    @Test
    void anIdleConnectionIsClosedWithGoAwayAfterTheKeepAliveTimeout() throws Exception {
        try (EngineHarness quick = EngineHarness.start(Duration.ofMillis(300),
                io.tidegate.kernel.config.GatewayConfig.Http2.DEFAULTS)) {
            quick.publish(fragment());
            try (H2Client c = H2Client.h2c(quick.port())) {
                H2Client.Response r = c.open().headers(H2Client.request("GET", "a.test", "/once"), true).response();
                assertThat(r.status()).isEqualTo("200");
                Http2GoAwayFrame goAway = c.nextGoAway(); // nothing open for 300 ms
                assertThat(goAway).isNotNull();
                assertThat(goAway.errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
                goAway.release();
                assertThat(c.channel().closeFuture().await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    @Test
    void aStreamOpenLongerThanTheKeepAliveTimeoutKeepsItsConnection() throws Exception {
        try (EngineHarness quick = EngineHarness.start(Duration.ofMillis(300),
                io.tidegate.kernel.config.GatewayConfig.Http2.DEFAULTS)) {
            quick.publish(fragment());
            try (H2Client c = H2Client.h2c(quick.port())) {
                H2Client.Response slow = c.open().headers(H2Client.request("GET", "a.test", "/slow?ms=900"), true)
                        .response();
                assertThat(slow.status()).isEqualTo("200");
                H2Client.Response next = c.open().headers(H2Client.request("GET", "a.test", "/next"), true).response();
                assertThat(next.status()).as("the same connection serves on").isEqualTo("200");
            }
        }
    }

    @Test
    void withHttp2DisabledThePrefaceIsJustAMalformedHttp11Request() throws Exception {
        try (EngineHarness h1 = EngineHarness.start(Duration.ofSeconds(30),
                io.tidegate.kernel.config.GatewayConfig.Http2.DISABLED)) {
            h1.publish(fragment());
            String raw = io.tidegate.kernel.testing.RawHttp.exchange(h1.port(),
                    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 3000);
            assertThat(raw).startsWith("HTTP/1.1 400");
            assertThat(io.tidegate.kernel.testing.RawHttp.exchange(h1.port(),
                    "GET /h1 HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n", 3000))
                    .startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void connectionPoliciesAreAskedBeforeAnyFrameIsDecoded() throws Exception {
        var refuse = new io.tidegate.kernel.config.GatewayConfig.PluginEntry("test-policy", "refuse",
                EngineHarness.settings(Map.of("mode", "refuse-connections")), List.of());
        try (EngineHarness guarded = EngineHarness.start(EngineHarness.defaults(), 0,
                Map.of("test-policy", new PolicyChainTest.TestPolicyFactory()), List.of(refuse))) {
            guarded.publish(fragment());
            int before = upstream.requests();
            try (H2Client c = H2Client.h2c(guarded.port())) {
                c.open().headers(H2Client.request("GET", "a.test", "/refused"), true);
                assertThat(c.channel().closeFuture().await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                assertThat(c.gotSettings()).as("the HTTP/2 codec never ran").isFalse();
            }
            assertThat(upstream.requests()).isEqualTo(before);
        }
    }

    // ---- drain -----------------------------------------------------------------------------------------

    @Test
    void drainSendsGoAwayAndLetsInFlightStreamsFinish() throws Exception {
        try (EngineHarness draining = EngineHarness.start()) {
            draining.publish(fragment());
            try (H2Client c = H2Client.h2c(draining.port())) {
                String host = "a.test:" + draining.port();
                H2Client.Stream inFlight = c.open().headers(H2Client.request("GET", host, "/slow?ms=300"), true);
                assertThat(c.open().headers(H2Client.request("GET", host, "/first"), true).response().status())
                        .isEqualTo("200"); // the slow stream is on its way by now
                CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> {
                    try {
                        return draining.engine().drain(Duration.ofSeconds(5));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Http2GoAwayFrame goAway = c.nextGoAway();
                assertThat(goAway).isNotNull();
                assertThat(goAway.errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
                int last = goAway.lastStreamId();
                assertThat(goAway.lastStreamId()).isGreaterThanOrEqualTo(3);
                goAway.release();
                H2Client.Response r = inFlight.response();
                assertThat(r.status()).as(r + " stream " + inFlight.channel().stream().id() + " goaway " + last)
                        .isEqualTo("200");
                assertThat(r.body.toString()).startsWith("app GET /slow?ms=300");
                assertThat(drained.get()).isTrue();
            }
        }
    }
}
