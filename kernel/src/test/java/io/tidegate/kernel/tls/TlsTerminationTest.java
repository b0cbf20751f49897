package io.tidegate.kernel.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.pkitesting.X509Bundle;
import io.tidegate.kernel.config.ListenerTls;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestPki;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.kernel.testing.TlsClient;
import io.tidegate.kernel.testing.TlsHarness;
import io.tidegate.spi.model.Certificate;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.HealthStatus;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteMatch;
import io.tidegate.spi.model.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * TLS termination end to end: a real JDK TLS client, the real engine with an {@code https} listener on
 * loopback, a real upstream. Certificates are made at test time.
 */
@ExtendWith(NoLeaks.class)
class TlsTerminationTest {

    private static final Provenance ORIGIN = Provenance.of("test", "TlsTerminationTest");

    static X509Bundle ca;
    static X509Bundle listenerDefault;
    static X509Bundle certA;
    static X509Bundle certB;
    static X509Bundle certW;
    static TlsHarness gateway;
    static TestUpstream upstream;
    /** A new client context each time: the JDK's client session cache is keyed by host and port only, and
     *  when it resumes an a.test session it sends that session's SNI name (a.test) even when b.test was
     *  set, so the gateway rightly answers for a.test. Browsers key their caches by name. */
    static SSLContext client;

    @BeforeAll
    static void start() throws Exception {
        ca = TestPki.ca("Test CA");
        listenerDefault = TestPki.server(ca, "default.test");
        certA = TestPki.server(ca, "a.test");
        certB = TestPki.server(ca, "b.test");
        certW = TestPki.server(ca, "wild.test");
        ListenerTls d = ListenerTls.defaults();
        gateway = TlsHarness.start(new ListenerTls("default.pem", TestPki.chainPem(listenerDefault),
                listenerDefault.getPrivateKeyPEM(), d.minVersion(), List.of(), ListenerTls.ClientAuth.NONE, null,
                d.sessionTimeout(), d.sessionCacheSize(), d.handshakeTimeout()));
        upstream = TestUpstream.start("app");
        client = TlsClient.context(ca, null);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    static SSLContext fresh() {
        return TlsClient.context(ca, null);
    }

    static Certificate cert(String name, X509Bundle bundle, String... names) {
        return new Certificate(name, List.of(names), TestPki.chainPem(bundle), bundle.getPrivateKeyPEM(),
                ORIGIN.withRule(name));
    }

    static Fragment fragment(Certificate... certificates) {
        Route route = Route.builder("all", ORIGIN.withRule("all")).match(RouteMatch.hostsAndPath(List.of(), null))
                .forwardTo("app").build();
        Cluster cluster = Cluster.of("app", List.of(new Endpoint(SocketAddress.parse(upstream.address()), 1, Map.of(),
                HealthStatus.HEALTHY)), ORIGIN.withRule("app"));
        return new Fragment(List.of(route), List.of(), List.of(cluster), List.of(certificates), List.of());
    }

    @Test
    void certificateIsChosenBySniAndSwapsReachNewHandshakesOnly() throws Exception {
        gateway.publish(fragment(cert("a", certA, "a.test"), cert("b", certB), cert("w", certW, "*.wild.test")));

        try (TlsClient a = TlsClient.connect(fresh(), gateway.port(), "a.test");
             TlsClient b = TlsClient.connect(fresh(), gateway.port(), "b.test");
             TlsClient wild = TlsClient.connect(fresh(), gateway.port(), "x.wild.test");
             TlsClient deep = TlsClient.connect(fresh(), gateway.port(), "x.y.wild.test");
             TlsClient none = TlsClient.connect(fresh(), gateway.port(), null);
             TlsClient other = TlsClient.connect(fresh(), gateway.port(), "other.test")) {
            assertThat(a.serverLeaf()).isEqualTo(certA.getCertificate());
            assertThat(b.serverLeaf()).isEqualTo(certB.getCertificate()); // names from the certificate's SANs
            assertThat(wild.serverLeaf()).isEqualTo(certW.getCertificate());
            assertThat(deep.serverLeaf()).isEqualTo(listenerDefault.getCertificate()); // * is one label
            assertThat(none.serverLeaf()).isEqualTo(listenerDefault.getCertificate());
            assertThat(other.serverLeaf()).isEqualTo(listenerDefault.getCertificate());
            assertThat(a.protocol()).isEqualTo("TLSv1.3");
            assertThat(a.alpn()).isEqualTo("http/1.1"); // a client offering only http/1.1 gets it

            try (TlsClient both = TlsClient.connectAlpn(fresh(), gateway.port(), "a.test",
                    new String[] {"h2", "http/1.1"})) {
                assertThat(both.alpn()).isEqualTo("h2"); // HTTP/2 first (Http2EndToEndTest speaks it)
            }
            try (TlsClient noAlpn = TlsClient.connectAlpn(fresh(), gateway.port(), "a.test", new String[0])) {
                assertThat(noAlpn.alpn()).isNullOrEmpty(); // no ALPN at all: HTTP/1.1 is spoken
                assertThat(noAlpn.get("a.test", "/h1")).startsWith("HTTP/1.1 200");
            }

            String response = a.get("a.test", "/hello");
            assertThat(response).startsWith("HTTP/1.1 200").contains("app GET /hello")
                    .contains("x-forwarded-proto: https").contains("host: a.test");

            // Swap a.test's certificate while `a` stays open.
            X509Bundle certA2 = TestPki.server(ca, "a.test");
            gateway.publish(fragment(cert("a", certA2, "a.test"), cert("b", certB)));

            assertThat(a.get("a.test", "/again")).startsWith("HTTP/1.1 200").contains("app GET /again");
            assertThat(a.serverLeaf()).isEqualTo(certA.getCertificate());
            try (TlsClient fresh = TlsClient.connect(fresh(), gateway.port(), "a.test")) {
                assertThat(fresh.serverLeaf()).isEqualTo(certA2.getCertificate());
                assertThat(fresh.get("a.test", "/new")).startsWith("HTTP/1.1 200");
            }
            assertThat(a.get("a.test", "/still")).startsWith("HTTP/1.1 200");
        }
        Map<String, Object> described = io.tidegate.kernel.admin.ConfigDescriber.describe(
                gateway.reconciler().current(), List.of("websecure"));
        assertThat(described.get("certificates").toString())
                .isEqualTo("{websecure={default=default.pem, serverNames={a.test=a, b.test=b}}}");
    }

    @Test
    void badCertificateIsRejectedAloneAndTheRestServe() throws Exception {
        X509Bundle stranger = TestPki.server(ca, "c.test");
        Certificate mismatched = new Certificate("c", List.of("c.test"), TestPki.chainPem(stranger),
                certA.getPrivateKeyPEM(), ORIGIN.withRule("c"));
        Certificate garbage = new Certificate("d", List.of("d.test"), "not pem", "nope", ORIGIN.withRule("d"));
        gateway.publish(fragment(cert("a", certA, "a.test"), mismatched, garbage));

        List<Diagnostic> diags = gateway.reconciler().sources().get(0).diagnostics();
        assertThat(diags).anySatisfy(d -> assertThat(d.toString())
                .contains("test:TlsTerminationTest#c privateKeyPem")
                .contains("the private key does not match the certificate; certificate 'c' rejected"));
        assertThat(diags).anySatisfy(d -> assertThat(d.toString()).contains("#d certificateChainPem")
                .contains("no PEM certificate found"));
        try (TlsClient a = TlsClient.connect(fresh(), gateway.port(), "a.test");
             TlsClient c = TlsClient.connect(fresh(), gateway.port(), "c.test")) {
            assertThat(a.serverLeaf()).isEqualTo(certA.getCertificate());
            assertThat(c.serverLeaf()).isEqualTo(listenerDefault.getCertificate());
        }

        // A renewal caught half-written (the new key, the old chain): the last good version keeps the name.
        X509Bundle renewed = TestPki.server(ca, "a.test");
        gateway.publish(fragment(new Certificate("a", List.of("a.test"), TestPki.chainPem(certA),
                renewed.getPrivateKeyPEM(), ORIGIN.withRule("a"))));
        assertThat(gateway.reconciler().sources().get(0).diagnostics()).anySatisfy(d -> assertThat(d.toString())
                .contains("certificate 'a' rejected, its last good version keeps serving"));
        try (TlsClient a = TlsClient.connect(fresh(), gateway.port(), "a.test")) {
            assertThat(a.serverLeaf()).isEqualTo(certA.getCertificate());
        }
    }

    @Test
    void sessionsResume() throws Exception {
        gateway.publish(fragment(cert("a", certA, "a.test")));
        SSLContext fresh = TlsClient.context(ca, null); // its own client session cache
        for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
            long first;
            try (TlsClient c = TlsClient.connect(fresh, gateway.port(), "a.test", protocol)) {
                assertThat(c.get("a.test", "/")).startsWith("HTTP/1.1 200");
                first = c.session().getCreationTime();
            }
            try (TlsClient c = TlsClient.connect(fresh, gateway.port(), "a.test", protocol)) {
                assertThat(c.get("a.test", "/")).startsWith("HTTP/1.1 200");
                assertThat(c.session().getCreationTime()).as(protocol + " resumed session").isEqualTo(first);
            }
        }
    }

    @Test
    void tls11IsRefusedAndHandshakesAreCounted() throws Exception {
        gateway.publish(fragment(cert("a", certA, "a.test")));
        String before = gateway.metrics().scrape();
        Throwable tls11 = nettyHandshake(gateway.port(), "TLSv1.1");
        assertThat(tls11).isInstanceOf(SSLException.class);
        assertThat(nettyHandshake(gateway.port(), "TLSv1.2")).isNull(); // the same client does 1.2
        try (TlsClient ok = TlsClient.connect(fresh(), gateway.port(), "a.test")) {
            assertThat(ok.protocol()).isEqualTo("TLSv1.3");
        }
        assertThatThrownBy(() -> TlsClient.connect(TlsClient.context(TestPki.ca("Other CA"), null), gateway.port(),
                "a.test").close()).isInstanceOf(SSLException.class);

        // The server hears of the client's refusal (its alert) a moment after the client threw: wait for it.
        String failures = "tidegate_tls_handshakes_total{listener=\"websecure\",protocol=\"\",result=\"failure\"}";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (counter(gateway.metrics().scrape(), failures) < counter(before, failures) + 2
                && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        String metrics = gateway.metrics().scrape();
        assertThat(counter(metrics, "tidegate_tls_handshakes_total{listener=\"websecure\",protocol=\"TLSv1.2\",result=\"success\"}"))
                .isEqualTo(counter(before, "tidegate_tls_handshakes_total{listener=\"websecure\",protocol=\"TLSv1.2\",result=\"success\"}") + 1);
        assertThat(counter(metrics, "tidegate_tls_handshakes_total{listener=\"websecure\",protocol=\"TLSv1.3\",result=\"success\"}"))
                .isGreaterThanOrEqualTo(counter(before, "tidegate_tls_handshakes_total{listener=\"websecure\",protocol=\"TLSv1.3\",result=\"success\"}") + 1);
        assertThat(counter(metrics, "tidegate_tls_handshakes_total{listener=\"websecure\",protocol=\"\",result=\"failure\"}"))
                .isGreaterThanOrEqualTo(counter(before, "tidegate_tls_handshakes_total{listener=\"websecure\",protocol=\"\",result=\"failure\"}") + 2);
    }

    @Test
    void bodiesStreamBothWaysThroughTls() throws Exception {
        gateway.publish(fragment(cert("a", certA, "a.test")));
        int size = 3 * 1024 * 1024;
        byte[] head = ("POST /count HTTP/1.1\r\nHost: a.test\r\nContent-Length: " + size + "\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] request = java.util.Arrays.copyOf(head, head.length + size);
        try (TlsClient c = TlsClient.connect(fresh(), gateway.port(), "a.test")) {
            String counted = c.exchange(request);
            assertThat(counted).startsWith("HTTP/1.1 200").endsWith("\r\n\r\n" + size);
            String bytes = c.get("a.test", "/bytes?n=" + size);
            assertThat(bytes).startsWith("HTTP/1.1 200");
            assertThat(bytes.length() - bytes.indexOf("\r\n\r\n") - 4).isEqualTo(size);
        }
    }

    @Test
    void aSilentClientIsClosedAfterTheHandshakeTimeout() throws Exception {
        ListenerTls d = ListenerTls.defaults();
        ListenerTls quick = new ListenerTls(null, null, null, d.minVersion(), List.of(), ListenerTls.ClientAuth.NONE,
                null, d.sessionTimeout(), d.sessionCacheSize(), Duration.ofMillis(200));
        try (TlsHarness h = TlsHarness.start(quick); java.net.Socket s = new java.net.Socket("127.0.0.1", h.port())) {
            s.setSoTimeout(5000);
            long start = System.nanoTime();
            assertThat(s.getInputStream().read()).as("closed without a byte").isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        }
    }

    @Test
    void plainHttpListenerIsUnaffected() throws Exception {
        gateway.publish(fragment(cert("a", certA, "a.test")));
        String raw = io.tidegate.kernel.testing.RawHttp.exchange(gateway.plainPort(),
                "GET /p HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n", 2000);
        assertThat(raw).startsWith("HTTP/1.1 200").contains("x-forwarded-proto: http\n");
    }

    static long counter(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) {
                return (long) Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return 0;
    }

    /** A Netty client (BoringSSL, which still speaks TLS 1.1) limited to {@code protocol}; null when it succeeded. */
    static Throwable nettyHandshake(int port, String protocol) throws Exception {
        SslContext ctx = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL).protocols(protocol)
                .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            CompletableFuture<Throwable> result = new CompletableFuture<>();
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            SslHandler ssl = ctx.newHandler(c.alloc(), "a.test", port);
                            c.pipeline().addLast(ssl, new ChannelInboundHandlerAdapter() {
                                @Override
                                public void userEventTriggered(ChannelHandlerContext x, Object evt) {
                                    if (evt instanceof SslHandshakeCompletionEvent done) {
                                        result.complete(done.cause());
                                    }
                                }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext x, Throwable cause) {
                                    result.complete(cause);
                                }

                                @Override
                                public void channelInactive(ChannelHandlerContext x) {
                                    result.complete(new SSLException("closed before the handshake completed"));
                                }
                            });
                        }
                    }).connect("127.0.0.1", port).sync().channel();
            Throwable t = result.get(5, TimeUnit.SECONDS);
            ch.close().sync();
            return t;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
