package io.tidegate.kernel.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.metrics.MetricsRegistry;
import io.tidegate.kernel.plugin.KernelPluginContext;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.PolicyRef;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import io.tidegate.spi.policy.RequestView;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Policy instances across swaps: shared by equal bindings, retired for a while when unbound, closed once. */
class PolicyRegistryTest {

    private final KernelPluginContext context = new KernelPluginContext(new MetricsRegistry(), List.of(),
            Path.of("."), Clock.systemUTC());
    private final AtomicInteger created = new AtomicInteger();

    @AfterEach
    void stop() {
        context.close();
    }

    /** A policy that records its close; the future completes on the first, the count says how many. */
    private static final class Recording implements Policy {
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        final AtomicInteger closes = new AtomicInteger();

        @Override
        public CompletionStage<Decision> evaluate(RequestView request) {
            return Decision.ALLOW_STAGE;
        }

        @Override
        public void close() {
            closes.incrementAndGet();
            closed.complete(null);
        }
    }

    private PolicyRegistry registry(Duration retireAfter) {
        PolicyFactory factory = new PolicyFactory() {
            @Override
            public String id() {
                return "recording";
            }

            @Override
            public Policy create(ConfigNode settings, PluginContext ctx) {
                created.incrementAndGet();
                return new Recording();
            }
        };
        return new PolicyRegistry(Map.of("recording", factory), context, retireAfter);
    }

    private static PolicyRef ref(String name) {
        return new PolicyRef("recording", ConfigNode.fromObject(Map.of("name", name), "test"));
    }

    @Test
    void equalBindingsShareOneInstance() {
        PolicyRegistry registry = registry(PolicyRegistry.RETIRE_AFTER);
        assertThat(registry.get(ref("a"))).isSameAs(registry.get(ref("a")));
        assertThat(registry.get(ref("b"))).isNotSameAs(registry.get(ref("a")));
        assertThat(created).hasValue(2);
    }

    @Test
    void anUnboundPolicyClosesOnlyAfterTheGraceSoThatRequestsOnThePreviousTableFinish() throws Exception {
        PolicyRegistry registry = registry(Duration.ofMillis(300));
        Recording kept = (Recording) registry.get(ref("kept"));
        Recording dropped = (Recording) registry.get(ref("dropped"));
        long swapped = System.nanoTime();
        registry.retainOnly(Set.of(ref("kept")));
        assertThat(dropped.closes).as("not at the swap").hasValue(0);
        dropped.closed.get(10, TimeUnit.SECONDS);
        assertThat(System.nanoTime() - swapped).as("closed after the grace")
                .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
        assertThat(dropped.closes).hasValue(1);
        assertThat(kept.closes).hasValue(0);
        registry.closeAll();
        assertThat(kept.closes).hasValue(1);
        assertThat(dropped.closes).as("closed once").hasValue(1);
    }

    @Test
    void aBindingThatComesBackBeforeTheGraceGetsTheSameInstance() throws Exception {
        PolicyRegistry registry = registry(Duration.ofMillis(200));
        Recording first = (Recording) registry.get(ref("a"));
        registry.retainOnly(Set.of());
        assertThat(registry.get(ref("a"))).as("revived, with its state").isSameAs(first);
        registry.retainOnly(Set.of(ref("a")));
        // The retirement's timer fires and finds nothing to close: the instance is live again.
        Recording other = (Recording) registry.get(ref("b"));
        registry.retainOnly(Set.of(ref("a")));
        other.closed.get(10, TimeUnit.SECONDS); // retired after 'a's timer: 'a's has fired by now
        assertThat(first.closes).hasValue(0);
        assertThat(created).hasValue(2);
    }

    @Test
    void shutdownClosesRetiringPoliciesAtOnceAndEachOnce() {
        PolicyRegistry registry = registry(Duration.ofHours(1));
        Recording live = (Recording) registry.get(ref("live"));
        Recording retiring = (Recording) registry.get(ref("retiring"));
        registry.retainOnly(Set.of(ref("live")));
        registry.closeAll();
        assertThat(live.closes).hasValue(1);
        assertThat(retiring.closes).hasValue(1);
        registry.closeAll();
        assertThat(live.closes).hasValue(1);
        assertThat(retiring.closes).hasValue(1);
    }
}
