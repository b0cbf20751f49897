package io.tidegate.kernel.runtime;

import io.tidegate.spi.model.OutlierDetection;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Passive health with Envoy's consecutive-error semantics: an endpoint that answers
 * {@code consecutive5xx} 5xx in a row, or fails {@code consecutiveGatewayErrors} times in a row with
 * a gateway error (502, 503, 504, connect failure, reset, timeout), is ejected for
 * {@code baseEjectionTime} times the number of times it was ejected, capped at 300 s (Envoy's
 * {@code max_ejection_time}). At most {@code maxEjectionPercent} of the endpoints are ejected at once,
 * but always at least one may be. Every {@code interval} ejected endpoints whose time is up return,
 * and the multiplier of an endpoint that stayed in decreases by one.
 *
 * <p>Counting is lock-free (one atomic per result); ejection and return take the cluster's lock,
 * which happens rarely. Defaults where a value is 0 or null: Envoy's, 10 s interval, 30 s base
 * ejection time, 10%.
 */
final class OutlierDetector {

    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    static final Duration DEFAULT_BASE_EJECTION = Duration.ofSeconds(30);
    static final int DEFAULT_MAX_EJECTION_PERCENT = 10;
    static final Duration MAX_EJECTION_TIME = Duration.ofSeconds(300);

    private final int consecutive5xx;
    private final int consecutiveGatewayErrors;
    private final long intervalNanos;
    private final long baseEjectionNanos;
    private final int maxEjected;
    private final AtomicIntegerArray serverErrors;
    private final AtomicIntegerArray gatewayErrors;
    /** Guarded by the cluster's lock; read racily by {@link #isEjected}. */
    private final long[] ejectedUntil;
    private final int[] ejections;
    private volatile long nextSweep;
    private int ejectedNow;

    OutlierDetector(OutlierDetection od, int endpoints, long nowNanos) {
        this.consecutive5xx = od.consecutive5xx();
        this.consecutiveGatewayErrors = od.consecutiveGatewayErrors();
        this.intervalNanos = positive(od.interval(), DEFAULT_INTERVAL).toNanos();
        this.baseEjectionNanos = positive(od.baseEjectionTime(), DEFAULT_BASE_EJECTION).toNanos();
        int percent = od.maxEjectionPercent() > 0 ? Math.min(100, od.maxEjectionPercent()) : DEFAULT_MAX_EJECTION_PERCENT;
        this.maxEjected = Math.max(1, endpoints * percent / 100);
        this.serverErrors = new AtomicIntegerArray(endpoints);
        this.gatewayErrors = new AtomicIntegerArray(endpoints);
        this.ejectedUntil = new long[endpoints];
        this.ejections = new int[endpoints];
        this.nextSweep = nowNanos + intervalNanos;
    }

    private static Duration positive(Duration d, Duration fallback) {
        return d == null || d.isZero() || d.isNegative() ? fallback : d;
    }

    /**
     * Counts one result: an upstream status, or a gateway error; status 0 without one is ignored.
     *
     * @return whether the endpoint reached a threshold and should be ejected
     */
    boolean record(int index, int status, boolean gatewayError) {
        if (!gatewayError && status <= 0) {
            return false; // no answer and no upstream failure (the client left): says nothing
        }
        boolean gateway = gatewayError || status == 502 || status == 503 || status == 504;
        boolean serverError = gateway || status >= 500;
        if (!serverError) {
            // Reset only when needed: most results are successes on endpoints with no streak.
            if (serverErrors.get(index) != 0) {
                serverErrors.set(index, 0);
            }
            if (gatewayErrors.get(index) != 0) {
                gatewayErrors.set(index, 0);
            }
            return false;
        }
        int fives = serverErrors.incrementAndGet(index);
        int gateways = gateway ? gatewayErrors.incrementAndGet(index) : resetGateway(index);
        return (consecutive5xx > 0 && fives >= consecutive5xx)
                || (consecutiveGatewayErrors > 0 && gateway && gateways >= consecutiveGatewayErrors);
    }

    private int resetGateway(int index) {
        gatewayErrors.set(index, 0);
        return 0;
    }

    /** Ejects the endpoint unless it already is or the cap is reached. Caller holds the cluster's lock. */
    boolean eject(int index, long nowNanos) {
        if (ejectedUntil[index] != 0 || ejectedNow >= maxEjected) {
            return false;
        }
        ejections[index]++;
        long time = Math.min(baseEjectionNanos * ejections[index], Math.max(MAX_EJECTION_TIME.toNanos(), baseEjectionNanos));
        ejectedUntil[index] = nowNanos + time;
        ejectedNow++;
        serverErrors.set(index, 0);
        gatewayErrors.set(index, 0);
        return true;
    }

    boolean isEjected(int index) {
        return ejectedUntil[index] != 0;
    }

    boolean sweepDue(long nowNanos) {
        return nowNanos - nextSweep >= 0;
    }

    /**
     * Returns endpoints whose ejection is over and decays the multipliers. Caller holds the lock.
     *
     * @return whether any endpoint returned
     */
    boolean sweep(long nowNanos) {
        if (!sweepDue(nowNanos)) {
            return false;
        }
        nextSweep = nowNanos + intervalNanos;
        boolean changed = false;
        for (int i = 0; i < ejectedUntil.length; i++) {
            if (ejectedUntil[i] == 0) {
                if (ejections[i] > 0) {
                    ejections[i]--;
                }
            } else if (nowNanos - ejectedUntil[i] >= 0) {
                ejectedUntil[i] = 0;
                ejectedNow--;
                changed = true;
            }
        }
        return changed;
    }

    /** Times endpoint {@code index} was ejected, less the intervals it stayed in since (the multiplier). */
    int multiplier(int index) {
        return ejections[index];
    }
}
