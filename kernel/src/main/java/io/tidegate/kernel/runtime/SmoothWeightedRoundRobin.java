package io.tidegate.kernel.runtime;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * nginx's smooth weighted round robin, precomputed: the schedule for one full cycle is built once at
 * compile time, so a pick is a single atomic increment. Weights {5,1,1} give a,a,b,a,c,a,a — spread,
 * not bursty. Equal weights degenerate to plain round robin.
 */
final class SmoothWeightedRoundRobin implements Balancer {

    /** Longest schedule kept; larger weight sums are scaled down proportionally. */
    private static final int MAX_SCHEDULE = 4096;

    private final int[] schedule;
    private final AtomicInteger next = new AtomicInteger();

    SmoothWeightedRoundRobin(int[] weights) {
        this.schedule = buildSchedule(scale(weights));
    }

    @Override
    public int pick() {
        return schedule[Math.floorMod(next.getAndIncrement(), schedule.length)];
    }

    static int[] buildSchedule(int[] weights) {
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        int[] current = new int[weights.length];
        int[] out = new int[total];
        for (int step = 0; step < total; step++) {
            int best = 0;
            for (int i = 0; i < weights.length; i++) {
                current[i] += weights[i];
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            out[step] = best;
        }
        return out;
    }

    private static int[] scale(int[] weights) {
        int g = 0;
        long total = 0;
        for (int w : weights) {
            g = gcd(g, w);
            total += w;
        }
        int[] out = new int[weights.length];
        double factor = total / (double) g > MAX_SCHEDULE ? MAX_SCHEDULE / (double) total : 1.0 / g;
        for (int i = 0; i < weights.length; i++) {
            out[i] = Math.max(1, (int) Math.round(weights[i] * factor));
        }
        return out;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
