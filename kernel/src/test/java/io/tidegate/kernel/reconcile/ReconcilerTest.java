package io.tidegate.kernel.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.RouteMatch;
import io.tidegate.spi.model.RetryPolicy;
import io.tidegate.kernel.runtime.CompiledConfig;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reconciler and compiler together, through the harness's test source. */
class ReconcilerTest {

    private static final Provenance P = Provenance.of("test", "objects.yaml");

    private EngineHarness harness;

    @BeforeEach
    void start() throws Exception {
        harness = EngineHarness.start();
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    private static Route ok(String name, String cluster) {
        return Route.builder(name, P.withRule(name)).match(RouteMatch.path(PathMatch.segmentPrefix("/" + name)))
                .forwardTo(cluster).build();
    }

    private static Cluster cluster(String name) {
        return Cluster.of(name, List.of(Endpoint.of("127.0.0.1", 9)), P.withRule(name));
    }

    @Test
    void becomesReadyWithTheFirstFragmentAndReportsBrokenReferences() throws Exception {
        assertThat(harness.reconciler().ready()).isFalse();
        CompiledConfig live = harness.publish(Fragment.of(List.of(ok("a", "svc"), ok("b", "missing")),
                List.of(cluster("svc"))));
        assertThat(harness.reconciler().ready()).isTrue();
        assertThat(live.routes()).extracting(r -> r.name()).containsExactly("a", "b");
        SourceStatus status = harness.reconciler().sources().get(0);
        assertThat(status.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.ERROR);
            assertThat(d.object().toString()).isEqualTo("test:objects.yaml#b");
            assertThat(d.field()).isEqualTo("forward[0].cluster");
            assertThat(d.message()).contains("'missing' is not defined by any source; requests get 503");
        });
    }

    @Test
    void aFragmentBreakingTheContractIsRejectedWholeAndTheLastGoodStaysLive() throws Exception {
        CompiledConfig first = harness.publish(Fragment.of(List.of(ok("a", "svc")), List.of(cluster("svc"))));
        harness.reconciler().sink("test").publish(Fragment.of(List.of(ok("a", "svc"), ok("a", "svc")),
                List.of(cluster("svc"))));
        // Publish a good one afterwards and wait for it: by then the bad one was handled.
        CompiledConfig third = harness.publish(Fragment.of(List.of(ok("c", "svc")), List.of(cluster("svc"))));
        assertThat(third.version()).isEqualTo(first.version() + 1); // the bad fragment made no generation
        assertThat(harness.reconciler().sources().get(0).lastError()).isNull();
    }

    @Test
    void rejectedFragmentShowsItsReasonAndKeepsServing() throws Exception {
        harness.publish(Fragment.of(List.of(ok("a", "svc")), List.of(cluster("svc"))));
        java.util.concurrent.CountDownLatch rebuilt = new java.util.concurrent.CountDownLatch(1);
        harness.reconciler().addRebuildListener(() -> {
            if (harness.reconciler().sources().get(0).lastError() != null) {
                rebuilt.countDown(); // the rebuild that handled the bad fragment, not the tail of the first one
            }
        });
        harness.reconciler().sink("test").publish(Fragment.of(List.of(ok("a", "svc")), List.of(cluster("svc"),
                cluster("svc"))));
        assertThat(rebuilt.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        SourceStatus status = harness.reconciler().sources().get(0);
        assertThat(status.lastError()).isEqualTo("fragment rejected, previous state kept: clusters: duplicate "
                + "cluster name 'svc' (test:objects.yaml#svc)");
        assertThat(status.version()).isEqualTo(1);
        assertThat(harness.reconciler().current().routes()).extracting(r -> r.name()).containsExactly("a");
    }

    @Test
    void oneBadObjectIsLeftOutAloneWithItsFieldNamed() throws Exception {
        Route badRegex = Route.builder("bad", P.withRule("bad"))
                .match(RouteMatch.path(PathMatch.regex("/(unclosed"))).forwardTo("svc").build();
        Route unsupported = Route.builder("retrying", P.withRule("retrying"))
                .retries(new RetryPolicy(2, null, Set.of("5xx", "on-a-whim"), Set.of(), null)).forwardTo("svc").build();
        Route redirect = Route.builder("r", P.withRule("r")).match(RouteMatch.path(PathMatch.exact("/x")))
                .action(new RouteAction.Redirect("https", null, null, null, null, 301, false)).build();
        CompiledConfig live = harness.publish(Fragment.of(List.of(badRegex, unsupported, redirect, ok("good", "svc")),
                List.of(cluster("svc"))));
        assertThat(live.routes()).extracting(r -> r.name()).containsExactly("r", "good");
        assertThat(harness.reconciler().sources().get(0).diagnostics()).extracting(Diagnostic::field)
                .containsExactlyInAnyOrder("retries.retryOn", "match.path.regex");
    }
}
