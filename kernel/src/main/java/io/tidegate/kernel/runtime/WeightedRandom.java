package io.tidegate.kernel.runtime;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/** Weighted random choice by binary search over cumulative weights; also used to split traffic between clusters. */
final class WeightedRandom implements Balancer {

    private final long[] cumulative;

    WeightedRandom(int[] weights) {
        cumulative = new long[weights.length];
        long sum = 0;
        for (int i = 0; i < weights.length; i++) {
            sum += weights[i];
            cumulative[i] = sum;
        }
    }

    @Override
    public int pick() {
        long total = cumulative[cumulative.length - 1];
        if (total <= 0) {
            return -1;
        }
        long r = ThreadLocalRandom.current().nextLong(total);
        int i = Arrays.binarySearch(cumulative, r + 1);
        return i >= 0 ? i : -i - 1;
    }
}
