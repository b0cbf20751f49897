package io.tidegate.plugins.auth;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Successful verifications, keyed by a SHA-256 of the credential (never the credential itself),
 * until a deadline. Bounded: when full it is emptied, which costs one slow verification per active
 * client. Failures are never stored.
 *
 * @param <V> what a verification produced (a user name, a decision)
 */
final class VerifiedCache<V> {

    private record Entry<V>(V value, long expiresAtMillis) {
    }

    private final ConcurrentHashMap<ByteBuffer, Entry<V>> entries = new ConcurrentHashMap<>();
    private final Clock clock;
    private final long ttlMillis;
    private final int maxSize;

    VerifiedCache(Clock clock, long ttlMillis, int maxSize) {
        this.clock = clock;
        this.ttlMillis = ttlMillis;
        this.maxSize = maxSize;
    }

    boolean enabled() {
        return ttlMillis > 0;
    }

    /** What a credential digest was verified as, or null when unknown or expired. */
    V get(byte[] digest) {
        if (ttlMillis <= 0) {
            return null;
        }
        ByteBuffer key = ByteBuffer.wrap(digest);
        Entry<V> e = entries.get(key);
        if (e == null) {
            return null;
        }
        if (e.expiresAtMillis() <= clock.millis()) {
            entries.remove(key, e);
            return null;
        }
        return e.value();
    }

    /** Remembers for the cache's time to live. */
    void put(byte[] digest, V value) {
        put(digest, value, Long.MAX_VALUE);
    }

    /** Remembers for the time to live, but not past {@code notAfterMillis} (e.g. a token's expiry). */
    void put(byte[] digest, V value, long notAfterMillis) {
        if (ttlMillis <= 0) {
            return;
        }
        long expires = Math.min(clock.millis() + ttlMillis, notAfterMillis);
        if (entries.size() >= maxSize) {
            entries.clear();
        }
        entries.put(ByteBuffer.wrap(digest), new Entry<>(value, expires));
    }

    void clear() {
        entries.clear();
    }

    int size() {
        return entries.size();
    }
}
