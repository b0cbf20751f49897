package io.tidegate.plugins.ratelimit;

/**
 * The generic cell rate algorithm, as token buckets are best kept: one number per key, the
 * theoretical arrival time (TAT) of the next request at the sustained rate. A request at {@code now}
 * passes when {@code max(tat, now) + interval - burst * interval <= now}, and then moves the TAT by one
 * interval. A key whose TAT is in the past is a full bucket: identical to a key never seen, so it can
 * be forgotten without changing any decision (that is how idle keys are evicted).
 *
 * <p>Outcomes are one {@code long}, so a decision allocates nothing: {@code >= 0} allowed, the value
 * being the nanoseconds until the bucket is full again; {@code < 0} denied, the value being minus the
 * nanoseconds until the next request would pass.
 */
final class Gcra {

    private Gcra() {
    }

    /** The new TAT if a request at {@code now} passes, or {@link Long#MIN_VALUE} when it does not. */
    static long next(long tat, long now, long interval, long burst) {
        long base = Math.max(tat, now);
        long newTat = base + interval;
        return newTat - burst * interval > now ? Long.MIN_VALUE : newTat;
    }

    /** The outcome of a denied request: minus the wait until a request would pass (always < 0). */
    static long deniedOutcome(long tat, long now, long interval, long burst) {
        long allowAt = Math.max(tat, now) + interval - burst * interval;
        return -Math.max(1, allowAt - now);
    }

    static boolean allowed(long outcome) {
        return outcome >= 0;
    }

    /** Requests that would still pass right now, after an allowed outcome. */
    static long remaining(long outcome, long interval, long burst) {
        if (outcome < 0) {
            return 0;
        }
        return Math.max(0, (burst * interval - outcome) / interval);
    }

    /** Nanoseconds until the bucket is full again. */
    static long resetNanos(long outcome, long interval, long burst) {
        return outcome >= 0 ? outcome : -outcome + (burst - 1) * interval;
    }

    /** Nanoseconds until a request would pass (0 when allowed). */
    static long retryAfterNanos(long outcome) {
        return outcome >= 0 ? 0 : -outcome;
    }

    /** Whole seconds, rounded up, as {@code Retry-After} and {@code RateLimit-Reset} want them. */
    static long ceilSeconds(long nanos) {
        return nanos <= 0 ? 0 : (nanos + 999_999_999L) / 1_000_000_000L;
    }
}
