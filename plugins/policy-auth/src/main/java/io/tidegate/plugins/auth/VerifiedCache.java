package io.tidegate.plugins.auth;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Successful verifications, keyed by a SHA-256 of the credential (never the credential itself), for
 * a short time. Bounded: when full it is emptied, which costs one slow verification per active user.
 */
final class VerifiedCache {

    private record Entry(String principal, long expiresAtMillis) {
    }

    private final ConcurrentHashMap<ByteBuffer, Entry> entries = new ConcurrentHashMap<>();
    private final Clock clock;
    private final long ttlMillis;
    private final int maxSize;

    VerifiedCache(Clock clock, long ttlMillis, int maxSize) {
        this.clock = clock;
        this.ttlMillis = ttlMillis;
        this.maxSize = maxSize;
    }

    /** The principal a credential digest was verified for, or null when unknown or expired. */
    String get(byte[] digest) {
        if (ttlMillis <= 0) {
            return null;
        }
        ByteBuffer key = ByteBuffer.wrap(digest);
        Entry e = entries.get(key);
        if (e == null) {
            return null;
        }
        if (e.expiresAtMillis() <= clock.millis()) {
            entries.remove(key, e);
            return null;
        }
        return e.principal();
    }

    void put(byte[] digest, String principal) {
        if (ttlMillis <= 0) {
            return;
        }
        if (entries.size() >= maxSize) {
            entries.clear();
        }
        entries.put(ByteBuffer.wrap(digest), new Entry(principal, clock.millis() + ttlMillis));
    }

    void clear() {
        entries.clear();
    }

    int size() {
        return entries.size();
    }
}
