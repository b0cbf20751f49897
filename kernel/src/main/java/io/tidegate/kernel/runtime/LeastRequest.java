package io.tidegate.kernel.runtime;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Power of two choices: pick two endpoints at random, send to the one with fewer requests in flight.
 * Nearly as good as a full scan and O(1) (Mitzenmacher; Envoy's default least-request).
 *
 * <p>The counts belong to the cluster, indexed by endpoint, so they survive a change of the
 * selection (an endpoint ejected and back keeps its requests in flight counted).
 */
final class LeastRequest implements Balancer {

    /** Requests in flight per endpoint of a cluster. */
    static final class Counts {
        private final AtomicIntegerArray active;

        Counts(int endpoints) {
            active = new AtomicIntegerArray(endpoints);
        }

        void started(int endpoint) {
            active.incrementAndGet(endpoint);
        }

        void ended(int endpoint) {
            active.decrementAndGet(endpoint);
        }

        int get(int endpoint) {
            return active.get(endpoint);
        }
    }

    private final int[] members;
    private final Counts active;

    LeastRequest(int[] members, Counts active) {
        this.members = members;
        this.active = active;
    }

    @Override
    public int pick() {
        int n = members.length;
        if (n == 1) {
            return 0;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int a = random.nextInt(n);
        int b = random.nextInt(n - 1);
        if (b >= a) {
            b++;
        }
        return active.get(members[a]) <= active.get(members[b]) ? a : b;
    }
}
