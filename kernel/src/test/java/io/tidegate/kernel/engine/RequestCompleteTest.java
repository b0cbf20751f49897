package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.H2Client;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.PolicyRef;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteMatch;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import io.tidegate.spi.policy.RequestView;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code Policy.onRequestComplete} through the real engine: exactly once for every request a policy allowed,
 * whichever way the exchange ends (response sent, client gone mid-response, upstream failure, a later policy's
 * denial, an HTTP/2 RST_STREAM, an asynchronous allow that arrives after the client left), never for a
 * request the policy denied. Requests are told apart by the {@code X-Request-Id} the test sends.
 */
@ExtendWith(NoLeaks.class)
class RequestCompleteTest {

    /** What the probes saw, by request id: how many allows and how many completions. */
    static final Map<String, AtomicInteger> allowed = new ConcurrentHashMap<>();
    static final Map<String, AtomicInteger> completed = new ConcurrentHashMap<>();
    static final BlockingQueue<String> completions = new LinkedBlockingQueue<>();
    /** The {@code gate} probe's pending decisions. */
    static final BlockingQueue<CompletableFuture<Decision>> gates = new LinkedBlockingQueue<>();

    /** Settings {@code mode}: {@code allow}, {@code deny-if-header} (x-deny), {@code gate} (the test decides). */
    static final class ProbeFactory implements PolicyFactory {
        @Override
        public String id() {
            return "probe";
        }

        @Override
        public Policy create(ConfigNode settings, PluginContext context) {
            String mode = settings.string("mode");
            return new Policy() {
                @Override
                public CompletionStage<Decision> evaluate(RequestView request) {
                    String id = mode + ":" + request.requestId();
                    if (mode.equals("deny-if-header") && request.header("x-deny") != null) {
                        return CompletableFuture.completedFuture(Decision.deny(403, "denied", "x-deny"));
                    }
                    if (mode.equals("gate")) {
                        CompletableFuture<Decision> gate = new CompletableFuture<>();
                        gates.add(gate);
                        return gate.thenApply(d -> {
                            allowed.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                            return d;
                        });
                    }
                    allowed.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                    return Decision.ALLOW_STAGE;
                }

                @Override
                public void onRequestComplete(RequestView request) {
                    String id = mode + ":" + request.requestId();
                    completed.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                    completions.add(id);
                }
            };
        }
    }

    static EngineHarness gateway;
    static TestUpstream upstream;

    @BeforeAll
    static void start() throws Exception {
        gateway = EngineHarness.start(EngineHarness.defaults(), 0, Map.of("probe", new ProbeFactory()));
        upstream = TestUpstream.start("u");
        Provenance p = Provenance.of("test", "RequestCompleteTest");
        gateway.publish(Fragment.of(List.of(
                Route.builder("chain", p).addPolicy(probe("allow")).addPolicy(probe("deny-if-header"))
                        .match(RouteMatch.path(PathMatch.segmentPrefix("/chain"))).forwardTo("u").build(),
                Route.builder("gated", p).addPolicy(probe("allow")).addPolicy(probe("gate"))
                        .match(RouteMatch.path(PathMatch.segmentPrefix("/gated"))).forwardTo("u").build(),
                Route.builder("all", p).addPolicy(probe("allow")).forwardTo("u").build()),
                List.of(Cluster.of("u", List.of(Endpoint.of("127.0.0.1", upstream.port())), p))));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    static PolicyRef probe(String mode) {
        return new PolicyRef("probe", EngineHarness.settings(Map.of("mode", mode)));
    }

    private static String get(String path, String id, String... headers) throws Exception {
        StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
                + "X-Request-Id: " + id + "\r\n");
        for (String h : headers) {
            req.append(h).append("\r\n");
        }
        return RawHttp.exchange(gateway.port(), req.append("\r\n").toString(), 3000);
    }

    /** Waits for {@code id}'s completion, then proves no second one follows: a later request's completes first. */
    private static void assertCompletedOnce(String id) throws Exception {
        awaitCompletion(id);
        String marker = "marker-" + System.nanoTime();
        assertThat(RawHttp.status(get("/m", marker))).isEqualTo(200);
        awaitCompletion("allow:" + marker);
        assertThat(completed.get(id)).as(id + " completions").hasValue(1);
    }

    private static void awaitCompletion(String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!completed.containsKey(id)) {
            String next = completions.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (next == null) {
                throw new AssertionError("no onRequestComplete for " + id + " within 10s; allowed: " + allowed
                        + ", completed: " + completed);
            }
        }
    }

    @Test
    void aRequestServedToTheEndCompletesOnce() throws Exception {
        assertThat(RawHttp.status(get("/ok", "normal"))).isEqualTo(200);
        assertThat(allowed.get("allow:normal")).hasValue(1);
        assertCompletedOnce("allow:normal");
    }

    @Test
    void aClientThatLeavesMidResponseCompletesOnce() throws Exception {
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /bytes?n=" + (256 << 20) + " HTTP/1.1\r\nHost: a\r\nX-Request-Id: abort\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            assertThat(new String(in.readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
            in.readNBytes(64 * 1024); // well into the body; 256 MiB cannot have been written yet
        }
        assertCompletedOnce("allow:abort");
    }

    @Test
    void anUpstreamFailureCompletesOnce() throws Exception {
        assertThat(RawHttp.status(get("/close", "upstream-failed"))).isEqualTo(502);
        assertCompletedOnce("allow:upstream-failed");
    }

    @Test
    void aLaterPolicysDenialCompletesTheEarlierOnesButNotTheDenier() throws Exception {
        assertThat(RawHttp.status(get("/chain", "denied-later", "X-Deny: 1"))).isEqualTo(403);
        assertCompletedOnce("allow:denied-later");
        assertThat(completed).doesNotContainKey("deny-if-header:denied-later");
        // Both allowed: both complete.
        assertThat(RawHttp.status(get("/chain", "both"))).isEqualTo(200);
        assertCompletedOnce("deny-if-header:both");
        assertThat(completed.get("allow:both")).hasValue(1);
    }

    @Test
    void anHttp2StreamResetCompletesOnce() throws Exception {
        try (H2Client client = H2Client.h2c(gateway.port())) {
            H2Client.Stream stream = client.open();
            stream.headers(H2Client.request("GET", "a", "/hold").add("x-request-id", "h2-reset"), true);
            assertThat(upstream.awaitHeld(1)).as("request reached the upstream").isTrue();
            stream.channel().writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
            assertCompletedOnce("allow:h2-reset");
        } finally {
            upstream.releaseHeld();
        }
        // A stream served to its end completes too.
        try (H2Client client = H2Client.h2c(gateway.port())) {
            H2Client.Stream stream = client.open();
            stream.headers(H2Client.request("GET", "a", "/ok").add("x-request-id", "h2-ok"), true);
            assertThat(stream.response().status()).isEqualTo("200");
            assertCompletedOnce("allow:h2-ok");
        }
    }

    @Test
    void anAllowThatArrivesAfterTheClientLeftCompletesAtOnce() throws Exception {
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.getOutputStream().write("GET /gated HTTP/1.1\r\nHost: a\r\nX-Request-Id: late\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            CompletableFuture<Decision> gate = gates.poll(10, TimeUnit.SECONDS);
            assertThat(gate).as("the gate policy was asked").isNotNull();
            s.close();
            // The exchange ends on the close: the first policy, which allowed, hears now.
            awaitCompletion("allow:late");
            gate.complete(Decision.ALLOW);
        }
        assertCompletedOnce("gate:late");
        assertThat(completed.get("allow:late")).hasValue(1);
    }
}
