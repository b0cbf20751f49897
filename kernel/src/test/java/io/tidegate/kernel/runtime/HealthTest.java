package io.tidegate.kernel.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.HealthCheck;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.OutlierDetection;
import io.tidegate.spi.model.Provenance;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Outlier detection and active health-check results, on a test clock (no waiting). */
class HealthTest {

    private static final Provenance ORIGIN = Provenance.of("test", "HealthTest");
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    ClusterRuntime cluster(int endpoints, OutlierDetection od, HealthCheck hc) {
        List<Endpoint> list = IntStream.range(0, endpoints).mapToObj(i -> Endpoint.of("10.0.0." + i, 80)).toList();
        Cluster spec = new Cluster("svc", list, Cluster.Resolution.STATIC, Cluster.UpstreamProtocol.HTTP1,
                LoadBalancer.ROUND_ROBIN, null, null, ConnectionLimits.UNLIMITED, od, hc, null, ORIGIN);
        return new ClusterRuntime(spec, Duration.ofSeconds(1), Duration.ofSeconds(1), now::get);
    }

    static OutlierDetection consecutive5xx(int n) {
        return new OutlierDetection(n, 0, Duration.ofSeconds(10), Duration.ofSeconds(30), 50);
    }

    Set<Integer> picks(ClusterRuntime c) {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            seen.add(c.pick());
        }
        return seen;
    }

    void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void threeServerErrorsInARowEjectAndASuccessResetsTheStreak() {
        ClusterRuntime c = cluster(2, consecutive5xx(3), null);
        assertThat(c.onRequestEnd(0, 500, false)).isFalse();
        assertThat(c.onRequestEnd(0, 503, false)).isFalse();
        assertThat(c.onRequestEnd(0, 200, false)).isFalse(); // streak broken
        assertThat(c.onRequestEnd(0, 500, false)).isFalse();
        assertThat(c.onRequestEnd(0, 0, false)).isFalse(); // no answer, the client left: not counted either way
        assertThat(c.onRequestEnd(0, 500, false)).isFalse();
        assertThat(picks(c)).containsExactlyInAnyOrder(0, 1);
        assertThat(c.onRequestEnd(0, 502, false)).isTrue();
        assertThat(c.isEjected(0)).isTrue();
        assertThat(picks(c)).containsExactly(1);
        assertThat(c.healthyEndpoints()).isEqualTo(1);
    }

    @Test
    void anEjectedEndpointReturnsAfterItsTimeAndTheTimeGrowsWithEachEjection() {
        ClusterRuntime c = cluster(2, consecutive5xx(1), null);
        assertThat(c.onRequestEnd(0, 500, false)).isTrue();
        advance(Duration.ofSeconds(25));
        assertThat(picks(c)).containsExactly(1); // 30 s base ejection time not over yet
        advance(Duration.ofSeconds(10));
        assertThat(picks(c)).containsExactlyInAnyOrder(0, 1); // back at the first sweep after 30 s

        assertThat(c.onRequestEnd(0, 500, false)).isTrue(); // second ejection: 2 x 30 s
        advance(Duration.ofSeconds(45));
        assertThat(picks(c)).containsExactly(1);
        advance(Duration.ofSeconds(20));
        assertThat(picks(c)).containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void gatewayErrorsHaveTheirOwnThresholdAndOtherAnswersResetIt() {
        ClusterRuntime c = cluster(2, new OutlierDetection(0, 2, Duration.ofSeconds(10), Duration.ofSeconds(30), 50),
                null);
        assertThat(c.onRequestEnd(1, 0, true)).isFalse(); // connect failure
        assertThat(c.onRequestEnd(1, 500, false)).isFalse(); // a 500 is no gateway error: resets
        assertThat(c.onRequestEnd(1, 504, false)).isFalse();
        assertThat(c.onRequestEnd(1, 0, true)).isTrue();
        assertThat(picks(c)).containsExactly(0);
    }

    @Test
    void atMostMaxEjectionPercentAreEjectedButAlwaysOne() {
        ClusterRuntime ten = cluster(10, new OutlierDetection(1, 0, Duration.ofSeconds(10), Duration.ofSeconds(30), 20),
                null);
        assertThat(IntStream.range(0, 10).filter(i -> ten.onRequestEnd(i, 500, false)).count()).isEqualTo(2);
        ClusterRuntime four = cluster(4, new OutlierDetection(1, 0, Duration.ofSeconds(10), Duration.ofSeconds(30), 10),
                null);
        assertThat(IntStream.range(0, 4).filter(i -> four.onRequestEnd(i, 500, false)).count()).isEqualTo(1);
    }

    @Test
    void whenEveryEndpointIsOutTheClusterPanicsAndUsesThemAll() {
        ClusterRuntime c = cluster(2, new OutlierDetection(1, 0, Duration.ofSeconds(10), Duration.ofSeconds(30), 100),
                null);
        assertThat(c.onRequestEnd(0, 500, false)).isTrue();
        assertThat(c.onRequestEnd(1, 500, false)).isTrue();
        assertThat(c.healthyEndpoints()).isZero();
        assertThat(picks(c)).containsExactlyInAnyOrder(0, 1); // better a try than a certain 503
    }

    @Test
    void activeChecksFollowTheThresholds() {
        HealthCheck hc = new HealthCheck(HealthCheck.Kind.HTTP, "/healthz", null, Set.of(), Duration.ofSeconds(5),
                Duration.ofSeconds(1), 3, 2);
        ClusterRuntime c = cluster(2, null, hc);
        assertThat(c.reportHealthCheck(0, false)).isFalse();
        assertThat(c.reportHealthCheck(0, true)).isFalse(); // breaks the failure streak
        assertThat(c.reportHealthCheck(0, false)).isFalse();
        assertThat(c.isServing(0)).isTrue();
        assertThat(c.reportHealthCheck(0, false)).isTrue(); // two in a row: out
        assertThat(c.isServing(0)).isFalse();
        assertThat(picks(c)).containsExactly(1);
        assertThat(c.reportHealthCheck(0, true)).isFalse();
        assertThat(c.reportHealthCheck(0, true)).isFalse();
        assertThat(c.reportHealthCheck(0, true)).isTrue(); // three in a row: back
        assertThat(picks(c)).containsExactlyInAnyOrder(0, 1);
    }
}
