package io.tidegate.plugins.ratelimit;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Buckets in this process, one {@link AtomicLong} (a GCRA TAT) per key, updated with a CAS loop: no
 * lock, and no allocation for a key seen before. At most {@code maxKeys} keys are kept: idle keys
 * (full buckets, see {@link Gcra}) are swept in the background, and while the map is full of busy
 * keys, new keys share one overflow bucket, so a flood of distinct keys cannot exhaust memory (it is
 * limited together instead).
 */
final class LocalLimiter {

    private final long interval;
    private final long burst;
    private final int maxKeys;
    private final Executor sweeper;
    private final ConcurrentHashMap<Object, AtomicLong> tats = new ConcurrentHashMap<>();
    private final AtomicLong overflow = new AtomicLong();
    private final AtomicBoolean sweeping = new AtomicBoolean();

    LocalLimiter(long intervalNanos, long burst, int maxKeys, Executor sweeper) {
        this.interval = intervalNanos;
        this.burst = burst;
        this.maxKeys = maxKeys;
        this.sweeper = sweeper;
    }

    /** Takes one request for {@code key} at {@code now} (nanoseconds); returns a {@link Gcra} outcome. */
    long acquire(Object key, long now) {
        AtomicLong tat = tats.get(key);
        if (tat == null) {
            tat = bucketFor(key, now);
        }
        while (true) {
            long current = tat.get();
            long next = Gcra.next(current, now, interval, burst);
            if (next == Long.MIN_VALUE) {
                return Gcra.deniedOutcome(current, now, interval, burst);
            }
            if (tat.compareAndSet(current, next)) {
                return next - now;
            }
        }
    }

    private AtomicLong bucketFor(Object key, long now) {
        if (tats.size() >= maxKeys) {
            scheduleSweep(now);
            return overflow;
        }
        return tats.computeIfAbsent(key, k -> new AtomicLong(Long.MIN_VALUE));
    }

    private void scheduleSweep(long now) {
        if (sweeping.compareAndSet(false, true)) {
            try {
                sweeper.execute(() -> {
                    try {
                        sweep(now);
                    } finally {
                        sweeping.set(false);
                    }
                });
            } catch (RuntimeException rejected) {
                sweeping.set(false);
            }
        }
    }

    /** Forgets every full bucket (TAT at or before {@code now}); returns how many were removed. */
    int sweep(long now) {
        int removed = 0;
        for (Iterator<Map.Entry<Object, AtomicLong>> it = tats.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Object, AtomicLong> e = it.next();
            if (e.getValue().get() <= now) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    int size() {
        return tats.size();
    }
}
