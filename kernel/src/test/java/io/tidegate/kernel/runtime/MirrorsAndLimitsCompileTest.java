package io.tidegate.kernel.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.MirrorPolicy;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the compiler makes of route {@code mirrors} and cluster {@code limits}. */
class MirrorsAndLimitsCompileTest {

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

    private static Cluster cluster(String name, ConnectionLimits limits) {
        return new Cluster(name, List.of(Endpoint.of("127.0.0.1", 9)), Cluster.Resolution.STATIC,
                Cluster.UpstreamProtocol.HTTP1, LoadBalancer.ROUND_ROBIN, null, null, limits, null, null, null,
                P.withRule(name));
    }

    private List<Diagnostic> diagnostics() {
        return harness.reconciler().sources().get(0).diagnostics();
    }

    @Test
    void aClusterWithLimitsIsServedWithItsBreaker() throws Exception {
        ConnectionLimits limits = new ConnectionLimits(10, 5, 100, 3, 50);
        CompiledConfig live = harness.publish(Fragment.of(List.of(Route.builder("r", P.withRule("r"))
                .forwardTo("svc").build()), List.of(cluster("svc", limits))));
        assertThat(diagnostics()).isEmpty();
        ClusterRuntime svc = live.clusters().get("svc");
        assertThat(svc.breaker().limits()).isEqualTo(limits);
        assertThat(svc.maxRequestsPerConnection()).isEqualTo(50);
    }

    @Test
    void aClusterLimitingOnlyRequestsPerConnectionHasNoBreaker() throws Exception {
        CompiledConfig live = harness.publish(Fragment.of(List.of(),
                List.of(cluster("svc", new ConnectionLimits(0, 0, 0, 0, 3)))));
        assertThat(live.clusters().get("svc").breaker()).isNull();
        assertThat(live.clusters().get("svc").maxRequestsPerConnection()).isEqualTo(3);
    }

    @Test
    void mirrorsResolveTheirClustersAndAnUndefinedOneIsReportedOnItsIndexedField() throws Exception {
        Route r = Route.builder("r", P.withRule("r")).forwardTo("svc")
                .addMirror(new MirrorPolicy("shadow", 25)).addMirror(new MirrorPolicy("nowhere", 100)).build();
        CompiledConfig live = harness.publish(Fragment.of(List.of(r), List.of(
                cluster("svc", ConnectionLimits.UNLIMITED), cluster("shadow", ConnectionLimits.UNLIMITED))));
        CompiledRoute compiled = live.routes().get(0);
        assertThat(compiled.mirrors()).hasSize(2);
        assertThat(compiled.mirrors()[0].cluster()).isSameAs(live.clusters().get("shadow"));
        assertThat(compiled.mirrors()[0].percent()).isEqualTo(25);
        assertThat(compiled.mirrors()[1].cluster()).isNull();
        assertThat(diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.ERROR);
            assertThat(d.object().toString()).isEqualTo("test:objects.yaml#r");
            assertThat(d.field()).isEqualTo("mirrors[1].cluster");
            assertThat(d.message()).isEqualTo("cluster 'nowhere' is not defined by any source; requests are not mirrored");
        });
    }

    @Test
    void aShadowClusterDefinedLaterIsPickedUpByTheNextGeneration() throws Exception {
        Route r = Route.builder("r", P.withRule("r")).forwardTo("svc").addMirror(new MirrorPolicy("shadow", 100))
                .build();
        harness.publish(Fragment.of(List.of(r), List.of(cluster("svc", ConnectionLimits.UNLIMITED))));
        assertThat(diagnostics()).extracting(Diagnostic::field).containsExactly("mirrors[0].cluster");
        CompiledConfig live = harness.publish(Fragment.of(List.of(r), List.of(cluster("svc", ConnectionLimits.UNLIMITED),
                cluster("shadow", ConnectionLimits.UNLIMITED))));
        assertThat(diagnostics()).isEmpty();
        assertThat(live.routes().get(0).mirrors()[0].cluster()).isSameAs(live.clusters().get("shadow"));
    }
}
