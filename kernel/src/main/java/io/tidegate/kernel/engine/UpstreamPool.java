package io.tidegate.kernel.engine;

import io.netty.channel.Channel;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Idle keep-alive upstream connections of one event loop. Only its own loop touches it, so it needs
 * no lock; a request served on loop N reuses connections loop N opened (the Netty proxy idiom: the
 * upstream channel lives on the downstream channel's loop).
 */
final class UpstreamPool {

    /**
     * Idle connections kept per key (cluster and endpoint) per loop; more are closed on release. High, so that the
     * connections of a burst of concurrent requests stay for reuse instead of being closed and opened again; the
     * cluster's idle timeout closes them, and its maxConnections bounds them where set.
     */
    static final int MAX_IDLE_PER_KEY = 1024;

    private static final FastThreadLocal<UpstreamPool> POOLS = new FastThreadLocal<>() {
        @Override
        protected UpstreamPool initialValue() {
            return new UpstreamPool();
        }
    };

    private final Map<PoolKey, ArrayDeque<Channel>> idle = new HashMap<>();

    /** The pool of the calling event loop. */
    static UpstreamPool current() {
        return POOLS.get();
    }

    /** The most recently used live connection for {@code key}, or null. */
    Channel poll(PoolKey key) {
        ArrayDeque<Channel> deque = idle.get(key);
        if (deque == null) {
            return null;
        }
        Channel ch;
        while ((ch = deque.pollLast()) != null) {
            if (ch.isActive()) {
                return ch;
            }
        }
        return null;
    }

    /** Offers a connection for reuse; returns false (and the caller closes it) when the pool is full. */
    boolean release(PoolKey key, Channel ch) {
        ArrayDeque<Channel> deque = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
        if (deque.size() >= MAX_IDLE_PER_KEY) {
            return false;
        }
        deque.addLast(ch);
        return true;
    }

    /** Forgets a connection that closed while idle. */
    void remove(PoolKey key, Channel ch) {
        ArrayDeque<Channel> deque = idle.get(key);
        if (deque != null) {
            deque.remove(ch);
            if (deque.isEmpty()) {
                idle.remove(key);
            }
        }
    }

    /** Closes one idle connection of {@code cluster} on this loop, freeing its maxConnections place; false: none. */
    boolean closeOneIdle(String cluster) {
        for (java.util.Iterator<Map.Entry<PoolKey, ArrayDeque<Channel>>> it = idle.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<PoolKey, ArrayDeque<Channel>> entry = it.next();
            if (!entry.getKey().cluster().equals(cluster)) {
                continue;
            }
            Channel ch = entry.getValue().pollFirst(); // the least recently used
            if (entry.getValue().isEmpty()) {
                it.remove();
            }
            if (ch != null) {
                ch.close();
                return true;
            }
        }
        return false;
    }

    /** Idle connections held by this loop, by cluster (for the idle gauge, asked on this loop). */
    Map<String, Integer> idleByCluster() {
        Map<String, Integer> out = new HashMap<>();
        idle.forEach((key, deque) -> out.merge(key.cluster(), deque.size(), Integer::sum));
        return out;
    }

    /** Idle connections held (this loop). */
    int size() {
        int n = 0;
        for (ArrayDeque<Channel> d : idle.values()) {
            n += d.size();
        }
        return n;
    }
}
