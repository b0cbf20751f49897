package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.HeaderEdits;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.model.PolicyRef;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import io.tidegate.spi.policy.RequestView;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The policy extension point through the real engine: a synchronous deny, an asynchronous allow that
 * completes on a foreign thread and adds headers both ways, a failing policy, and instance reuse.
 */
@ExtendWith(NoLeaks.class)
class PolicyChainTest {

    static final AtomicInteger created = new AtomicInteger();

    /** Settings: {@code mode: deny-if-header | async-stamp | fail | refuse-connections}. */
    static final class TestPolicyFactory implements PolicyFactory {
        @Override
        public String id() {
            return "test-policy";
        }

        @Override
        public Policy create(ConfigNode settings, PluginContext context) {
            settings.requireOnlyKeys("mode");
            String mode = settings.string("mode");
            created.incrementAndGet();
            if (mode.equals("refuse-connections")) {
                return new Policy() {
                    @Override
                    public CompletionStage<Decision> evaluate(RequestView request) {
                        return Decision.ALLOW_STAGE;
                    }

                    @Override
                    public CompletionStage<Decision> onConnection(io.tidegate.spi.policy.ConnectionView c) {
                        return CompletableFuture.supplyAsync(() -> Decision.deny(403, "", "test refuses"),
                                CompletableFuture.delayedExecutor(5, TimeUnit.MILLISECONDS));
                    }
                };
            }
            return request -> switch (mode) {
                case "deny-if-header" -> request.header("x-deny") != null
                        ? CompletableFuture.completedFuture(new Decision.Deny(403,
                        List.of(new HeaderValue("x-denied-by", "test")), "denied", "header x-deny"))
                        : Decision.ALLOW_STAGE;
                case "async-stamp" -> stampLater(request);
                default -> throw new IllegalStateException("boom");
            };
        }

        private static CompletionStage<Decision> stampLater(RequestView request) {
            String route = request.route().name();
            return CompletableFuture.supplyAsync(() -> new Decision.Allow(
                    new HeaderEdits(List.of(new HeaderValue("x-policy-route", route)), List.of(), List.of()),
                    new HeaderEdits(List.of(new HeaderValue("x-policy-says", "hi")), List.of(), List.of())),
                    CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));
        }
    }

    static EngineHarness gateway;
    static TestUpstream upstream;

    @BeforeAll
    static void start() throws Exception {
        gateway = EngineHarness.start(EngineHarness.defaults(), 0, Map.of("test-policy", new TestPolicyFactory()));
        upstream = TestUpstream.start("u");
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    static PolicyRef policy(String mode) {
        return new PolicyRef("test-policy", EngineHarness.settings(Map.of("mode", mode)));
    }

    @Test
    void policiesDecideInOrderSyncAndAsync() throws Exception {
        Provenance p = Provenance.of("test", "PolicyChainTest");
        gateway.publish(Fragment.of(List.of(
                Route.builder("guarded", p).addPolicy(policy("deny-if-header")).addPolicy(policy("async-stamp"))
                        .match(io.tidegate.spi.model.RouteMatch.path(io.tidegate.spi.model.PathMatch.segmentPrefix("/g")))
                        .forwardTo("u").build(),
                Route.builder("broken", p).addPolicy(policy("fail"))
                        .match(io.tidegate.spi.model.RouteMatch.path(io.tidegate.spi.model.PathMatch.segmentPrefix("/b")))
                        .forwardTo("u").build()),
                List.of(Cluster.of("u", List.of(Endpoint.of("127.0.0.1", upstream.port())), p))));

        int before = upstream.requests();
        HttpResponse<String> denied = gateway.client().send(HttpRequest.newBuilder(gateway.uri("/g"))
                .header("x-deny", "1").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).isEqualTo("denied\n");
        assertThat(denied.headers().firstValue("x-denied-by")).hasValue("test");
        assertThat(upstream.requests()).isEqualTo(before);

        HttpResponse<String> allowed = gateway.client().send(HttpRequest.newBuilder(gateway.uri("/g/x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.body()).contains("x-policy-route: guarded");
        assertThat(allowed.headers().firstValue("x-policy-says")).hasValue("hi");

        HttpResponse<String> broken = gateway.client().send(HttpRequest.newBuilder(gateway.uri("/b")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(broken.statusCode()).isEqualTo(500);
        assertThat(broken.body()).doesNotContain("boom"); // failures never leak why
    }

    @Test
    void aListenerPolicyCanRefuseConnectionsBeforeAByteIsRead() throws Exception {
        var refuse = new io.tidegate.kernel.config.GatewayConfig.PluginEntry("test-policy", "refuse",
                EngineHarness.settings(Map.of("mode", "refuse-connections")), List.of());
        try (EngineHarness guarded = EngineHarness.start(EngineHarness.defaults(), 0,
                Map.of("test-policy", new TestPolicyFactory()), List.of(refuse))) {
            Provenance p = Provenance.of("test", "PolicyChainTest-3");
            guarded.publish(Fragment.of(List.of(Route.builder("all", p).forwardTo("u").build()),
                    List.of(Cluster.of("u", List.of(Endpoint.of("127.0.0.1", upstream.port())), p))));
            int before = upstream.requests();
            String raw = io.tidegate.kernel.testing.RawHttp.exchange(guarded.port(),
                    "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
            assertThat(raw).isEmpty();
            assertThat(upstream.requests()).isEqualTo(before);
        }
    }

    @Test
    void equalBindingsShareOneInstanceAcrossSwaps() throws Exception {
        Provenance p = Provenance.of("test", "PolicyChainTest-2");
        int before = created.get();
        for (int gen = 0; gen < 3; gen++) {
            gateway.publish(Fragment.of(List.of(
                    Route.builder("r" + gen, p).addPolicy(policy("deny-if-header")).forwardTo("u").build(),
                    Route.builder("s" + gen, p).addPolicy(policy("deny-if-header")).forwardTo("u").build()),
                    List.of(Cluster.of("u", List.of(Endpoint.of("127.0.0.1", upstream.port())), p))));
        }
        assertThat(created.get() - before).isLessThanOrEqualTo(1);
    }
}
