package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.netty.pkitesting.X509Bundle;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.GrpcEcho;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestPki;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.RouteMatch;
import io.tidegate.spi.model.Timeouts;
import io.tidegate.spi.model.UpstreamTls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * gRPC through the gateway, with grpc-java as the real client and the real server: the client speaks h2c
 * with prior knowledge to the gateway, which forwards to an h2c upstream ({@code h2c.test}) or to one over
 * TLS with ALPN h2 ({@code tls.test}). Every kind of call, status and metadata pass unchanged; errors the
 * gateway makes itself reach the client as gRPC statuses.
 */
@ExtendWith(NoLeaks.class)
class GrpcEndToEndTest {

    private static final Provenance ORIGIN = Provenance.of("test", "GrpcEndToEndTest");

    static EngineHarness gateway;
    static GrpcEcho plain;
    static GrpcEcho secure;
    static final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        X509Bundle ca = TestPki.ca("gRPC CA");
        plain = GrpcEcho.h2c();
        secure = GrpcEcho.tls(TestPki.server(ca, "grpc.test", "127.0.0.1"));
        gateway = EngineHarness.start();
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        UpstreamTls tls = new UpstreamTls("grpc.test", ca.getCertificatePEM(), true, null, null, List.of(), List.of());
        gateway.publish(Fragment.of(List.of(
                        forward("h2c.test", "grpc-h2c", Timeouts.DEFAULT),
                        forward("tls.test", "grpc-tls", Timeouts.DEFAULT),
                        forward("down.test", "grpc-down", Timeouts.DEFAULT),
                        forward("slow.test", "grpc-h2c", new Timeouts(Duration.ofMillis(300), null)),
                        direct("deny.test", 403), direct("auth.test", 401), direct("busy.test", 429)),
                List.of(h2Cluster("grpc-h2c", plain.port(), null), h2Cluster("grpc-tls", secure.port(), tls),
                        h2Cluster("grpc-down", closedPort, null))));
    }

    @AfterAll
    static void stop() throws Exception {
        for (ManagedChannel c : channels.values()) {
            c.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        gateway.close();
        plain.close();
        secure.close();
    }

    static Cluster h2Cluster(String name, int port, UpstreamTls tls) {
        return new Cluster(name, List.of(Endpoint.of("127.0.0.1", port)), Cluster.Resolution.STATIC,
                Cluster.UpstreamProtocol.HTTP2, LoadBalancer.ROUND_ROBIN, null, null, ConnectionLimits.UNLIMITED, null,
                null, tls, ORIGIN.withRule(name));
    }

    private static Route forward(String host, String cluster, Timeouts timeouts) {
        return Route.builder(host, ORIGIN.withRule(host))
                .match(RouteMatch.hostsAndPath(List.of(host), PathMatch.segmentPrefix("/")))
                .forwardTo(cluster).timeouts(timeouts).build();
    }

    private static Route direct(String host, int status) {
        return Route.builder(host, ORIGIN.withRule(host))
                .match(RouteMatch.hostsAndPath(List.of(host), PathMatch.segmentPrefix("/")))
                .action(new RouteAction.DirectResponse(status, "go away", List.of())).build();
    }

    /** A grpc-java channel to the gateway with h2c prior knowledge, for requests with this authority. */
    static ManagedChannel channel(String authority) {
        return channels.computeIfAbsent(authority, a -> NettyChannelBuilder.forAddress("127.0.0.1", gateway.port())
                .usePlaintext().overrideAuthority(a).build());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    // ---- calls pass unchanged ----------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"h2c.test", "tls.test"})
    void unaryCallsCarryMetadataBothWaysAndTheTrailers(String upstream) {
        Metadata sent = new Metadata();
        sent.put(GrpcEcho.X_META, "hello-" + upstream);
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        var ch = ClientInterceptors.intercept(channel(upstream), MetadataUtils.newAttachHeadersInterceptor(sent),
                MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
        byte[] answer = ClientCalls.blockingUnaryCall(ch, GrpcEcho.UNARY, CallOptions.DEFAULT, bytes("ping"));
        assertThat(text(answer)).isEqualTo("ping");
        assertThat(headers.get().get(GrpcEcho.X_META_ECHO)).isEqualTo("hello-" + upstream);
        assertThat(trailers.get().get(GrpcEcho.X_TRAILER)).isEqualTo("done");
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2c.test", "tls.test"})
    void aServerErrorStatusAndItsMessagePassUnchanged(String upstream) {
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        var ch = ClientInterceptors.intercept(channel(upstream),
                MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ch, GrpcEcho.UNARY, CallOptions.DEFAULT,
                bytes("fail:no such thing: \u00e9t\u00e9 100%")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).isEqualTo("no such thing: \u00e9t\u00e9 100%");
                    assertThat(e.getTrailers().get(GrpcEcho.X_TRAILER)).isEqualTo("done");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2c.test", "tls.test"})
    void serverStreamingDeliversEveryMessageInOrder(String upstream) {
        Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(channel(upstream), GrpcEcho.SERVER,
                CallOptions.DEFAULT, bytes("2000"));
        int i = 0;
        while (it.hasNext()) {
            assertThat(text(it.next())).isEqualTo(Integer.toString(i++));
        }
        assertThat(i).isEqualTo(2000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2c.test", "tls.test"})
    void clientStreamingCarriesEveryMessage(String upstream) throws Exception {
        Collector answers = new Collector();
        StreamObserver<byte[]> out = ClientCalls.asyncClientStreamingCall(
                channel(upstream).newCall(GrpcEcho.CLIENT, CallOptions.DEFAULT), answers);
        byte[] message = new byte[1000];
        for (int i = 0; i < 1000; i++) {
            out.onNext(message);
        }
        out.onCompleted();
        assertThat(answers.done.get(30, TimeUnit.SECONDS)).isNull();
        assertThat(answers.messages).extracting(GrpcEndToEndTest::text).containsExactly("1000:1000000");
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2c.test", "tls.test"})
    void bidiStreamingEchoesManyMessagesWhileBothHalvesAreOpen(String upstream) throws Exception {
        Collector answers = new Collector();
        StreamObserver<byte[]> out = ClientCalls.asyncBidiStreamingCall(
                channel(upstream).newCall(GrpcEcho.BIDI, CallOptions.DEFAULT), answers);
        out.onNext(bytes("first"));
        answers.awaitCount(1); // the first echo comes back before the client half-closes: nothing is aggregated
        for (int i = 1; i < 3000; i++) {
            out.onNext(bytes("m" + i));
        }
        out.onCompleted();
        assertThat(answers.done.get(30, TimeUnit.SECONDS)).isNull();
        assertThat(answers.messages).hasSize(3000);
        assertThat(text(answers.messages.get(0))).isEqualTo("first");
        assertThat(text(answers.messages.get(2999))).isEqualTo("m2999");
    }

    @Test
    void aClientDeadlineEndsTheCallAndTheUpstreamSeesItCancelled() throws Exception {
        plain.resetCancelled();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel("h2c.test"), GrpcEcho.HANG,
                CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS), bytes("wait")))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        // grpc-timeout reached the server, or the client's RST_STREAM was relayed: either way it stops working.
        plain.cancelled().get(30, TimeUnit.SECONDS);
    }

    @Test
    void manyCallsShareOneMultiplexedUpstreamConnection() {
        for (int i = 0; i < 50; i++) {
            ClientCalls.blockingUnaryCall(channel("tls.test"), GrpcEcho.UNARY, CallOptions.DEFAULT, bytes("n" + i));
        }
        String metrics = gateway.metrics().scrape();
        // One client connection is served on one event loop, so all its calls share that loop's connection.
        assertThat(metrics).contains("tidegate_upstream_http2_connections_opened_total{cluster=\"grpc-tls\"} 1\n");
        assertThat(metrics).containsPattern("tidegate_upstream_http2_streams_total\\{cluster=\"grpc-tls\"} \\d+");
        assertThat(metrics).contains("tidegate_upstream_tls_handshakes_total{cluster=\"grpc-tls\",result=\"success\"} 1\n");
    }

    // ---- errors the gateway answers are gRPC statuses -----------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"nowhere.test=UNIMPLEMENTED", "down.test=UNAVAILABLE", "deny.test=PERMISSION_DENIED",
            "auth.test=UNAUTHENTICATED", "busy.test=UNAVAILABLE", "slow.test=DEADLINE_EXCEEDED"})
    void localErrorsReachGrpcClientsAsTheirStatus(String row) {
        String[] parts = row.split("=");
        String method = parts[0].equals("slow.test") ? "hang" : "unary";
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel(parts[0]),
                method.equals("hang") ? GrpcEcho.HANG : GrpcEcho.UNARY, CallOptions.DEFAULT, bytes("x")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.valueOf(parts[1]));
                    assertThat(e.getStatus().getDescription()).isNotBlank();
                });
    }

    @Test
    void anHttp11GrpcRequestGetsTheTrailersOnlyShapeToo() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                        + "/test.Echo/Unary")).header("content-type", "application/grpc+proto")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[5])).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/grpc");
        assertThat(r.headers().firstValue("grpc-status")).hasValue("12");
        assertThat(r.headers().firstValue("grpc-message")).hasValueSatisfying(m -> assertThat(m).contains("no route"));
        assertThat(r.body()).isEmpty();
    }

    /** Collects a call's messages; {@code done} completes with null on OK, with the failure otherwise. */
    static final class Collector implements StreamObserver<byte[]> {
        final List<byte[]> messages = new CopyOnWriteArrayList<>();
        final CompletableFuture<Throwable> done = new CompletableFuture<>();
        private final java.util.concurrent.Semaphore arrived = new java.util.concurrent.Semaphore(0);

        @Override
        public void onNext(byte[] value) {
            messages.add(value);
            arrived.release();
        }

        @Override
        public void onError(Throwable t) {
            done.complete(t);
        }

        @Override
        public void onCompleted() {
            done.complete(null);
        }

        void awaitCount(int n) throws InterruptedException {
            assertThat(arrived.tryAcquire(n, 30, TimeUnit.SECONDS)).as("%d messages within 30s", n).isTrue();
        }
    }
}
