package io.tidegate.plugins.ratelimit;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests in flight per key, at most {@code limit} each. Lock-free on the hot path (a map read and a
 * compare-and-set); a key's entry is removed when its count drops to zero, so the map holds only keys with
 * requests in flight and is bounded by them.
 *
 * <p>Removal races with a new acquire of the same key; a count that reached zero is retired (set to -1)
 * before it leaves the map, and an acquire that finds a retired count replaces it with a fresh one, so no
 * acquire is ever lost in a removed entry.
 */
final class ConcurrencyLimiter {

    private static final int RETIRED = -1;

    private final int limit;
    private final ConcurrentHashMap<Object, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    ConcurrencyLimiter(int limit) {
        this.limit = limit;
    }

    /** Counts one more request for {@code key}; false (and nothing counted) when {@code limit} are in flight. */
    boolean tryAcquire(Object key) {
        while (true) {
            AtomicInteger count = inFlight.get(key);
            if (count == null) {
                AtomicInteger fresh = new AtomicInteger(1);
                if (inFlight.putIfAbsent(key, fresh) == null) {
                    return true;
                }
                continue;
            }
            int n = count.get();
            if (n == RETIRED) {
                inFlight.remove(key, count); // its releaser may not have removed it yet
                continue;
            }
            if (n >= limit) {
                return false;
            }
            if (count.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** A request counted by {@link #tryAcquire} for {@code key} ended. */
    void release(Object key) {
        AtomicInteger count = inFlight.get(key);
        if (count == null) {
            return; // not counted (cannot happen when calls pair up)
        }
        if (count.decrementAndGet() == 0 && count.compareAndSet(0, RETIRED)) {
            inFlight.remove(key, count);
        }
    }

    /** Requests in flight for {@code key}. */
    int inFlight(Object key) {
        AtomicInteger count = inFlight.get(key);
        return count == null ? 0 : Math.max(0, count.get());
    }

    /** Keys with requests in flight (memory is proportional to it). */
    int keys() {
        return inFlight.size();
    }
}
