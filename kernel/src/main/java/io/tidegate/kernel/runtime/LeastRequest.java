package io.tidegate.kernel.runtime;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Power of two choices: pick two endpoints at random, send to the one with fewer requests in flight.
 * Nearly as good as a full scan and O(1) (Mitzenmacher; Envoy's default least-request).
 */
final class LeastRequest implements Balancer {

    private final AtomicIntegerArray active;

    LeastRequest(int endpoints) {
        active = new AtomicIntegerArray(endpoints);
    }

    @Override
    public int pick() {
        int n = active.length();
        if (n == 1) {
            return 0;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int a = random.nextInt(n);
        int b = random.nextInt(n - 1);
        if (b >= a) {
            b++;
        }
        return active.get(a) <= active.get(b) ? a : b;
    }

    @Override
    public void onStart(int index) {
        active.incrementAndGet(index);
    }

    @Override
    public void onEnd(int index) {
        active.decrementAndGet(index);
    }
}
