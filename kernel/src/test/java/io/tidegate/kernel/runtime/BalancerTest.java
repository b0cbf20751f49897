package io.tidegate.kernel.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BalancerTest {

    @Test
    void smoothWeightedRoundRobinSpreadsAsNginxDoes() {
        // nginx's documented example: weights a=5, b=1, c=1 give a a b a c a a.
        assertThat(SmoothWeightedRoundRobin.buildSchedule(new int[] {5, 1, 1}))
                .containsExactly(0, 0, 1, 0, 2, 0, 0);
    }

    @Test
    void roundRobinCyclesAndHonoursLargeWeightsProportionally() {
        SmoothWeightedRoundRobin equal = new SmoothWeightedRoundRobin(new int[] {1, 1, 1});
        assertThat(new int[] {equal.pick(), equal.pick(), equal.pick(), equal.pick()}).containsExactly(0, 1, 2, 0);
        SmoothWeightedRoundRobin big = new SmoothWeightedRoundRobin(new int[] {30000, 10000});
        int first = 0;
        for (int i = 0; i < 4000; i++) {
            if (big.pick() == 0) {
                first++;
            }
        }
        assertThat(first).isEqualTo(3000);
    }

    @Test
    void weightedRandomNeverPicksZeroWeightAndFollowsWeights() {
        WeightedRandom r = new WeightedRandom(new int[] {0, 9, 1});
        int[] counts = new int[3];
        for (int i = 0; i < 20000; i++) {
            counts[r.pick()]++;
        }
        assertThat(counts[0]).isZero();
        assertThat(counts[1]).isBetween(17400, 18600);
        assertThat(new WeightedRandom(new int[] {0, 0}).pick()).isEqualTo(-1);
    }

    @Test
    void leastRequestAvoidsTheBusyEndpoint() {
        LeastRequest.Counts active = new LeastRequest.Counts(3);
        LeastRequest lr = new LeastRequest(new int[] {0, 2}, active); // endpoint 1 is not in the selection
        for (int i = 0; i < 5; i++) {
            active.started(0);
        }
        for (int i = 0; i < 50; i++) {
            assertThat(lr.pick()).isEqualTo(1); // with two endpoints both are always compared
        }
    }
}
