package io.tidegate.plugins.ratelimit;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open connections per client address (the socket peer: at connection time no header has been read).
 * The map holds only addresses with open connections, so it is bounded by the connections themselves.
 */
final class ConnectionLimiter {

    private final int max;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    ConnectionLimiter(int max) {
        this.max = max;
    }

    /** Counts a new connection from {@code peer}; false (and not counted) when it would exceed the limit. */
    boolean tryOpen(InetAddress peer) {
        boolean[] admitted = new boolean[1];
        open.compute(peer, (k, n) -> {
            int current = n == null ? 0 : n;
            if (current >= max) {
                return n;
            }
            admitted[0] = true;
            return current + 1;
        });
        return admitted[0];
    }

    void closed(InetAddress peer) {
        open.computeIfPresent(peer, (k, n) -> n <= 1 ? null : n - 1);
    }

    int open(InetAddress peer) {
        return open.getOrDefault(peer, 0);
    }

    int max() {
        return max;
    }
}
