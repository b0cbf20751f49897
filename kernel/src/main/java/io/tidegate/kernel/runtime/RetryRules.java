package io.tidegate.kernel.runtime;

import io.tidegate.spi.model.RetryPolicy;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A route's retry policy compiled once: which failures are retried, how often, how long each try
 * may take and how long to back off. Envoy's {@code retry_on} names and semantics.
 */
public final class RetryRules {

    /** Why an attempt failed. */
    public enum Failure {
        /** The connection could not be opened. */
        CONNECT,
        /** The connection closed or reset before a response head arrived. */
        RESET,
        /** An HTTP/2 upstream refused the stream unprocessed: RST_STREAM(REFUSED_STREAM) or above GOAWAY's last id. */
        REFUSED,
        /** The per-try timeout fired before a response head arrived. */
        TIMEOUT,
        /** A response head arrived with this status. */
        STATUS
    }

    /** The names {@link RetryPolicy#retryOn()} may hold. */
    public static final Set<String> CONDITIONS = Set.of("connect-failure", "reset", "refused-stream", "5xx",
            "gateway-error", "retriable-status-codes");

    /** Envoy's default base interval; the cap is ten times the base. */
    static final Duration DEFAULT_BACKOFF = Duration.ofMillis(25);

    private final int attempts;
    private final long perTryTimeoutNanos;
    private final boolean connectFailure;
    private final boolean reset;
    private final boolean refusedStream;
    private final boolean serverError;
    private final boolean gatewayError;
    private final boolean statusCodes;
    private final Set<Integer> retriableStatusCodes;
    private final long backoffBaseNanos;

    RetryRules(RetryPolicy policy) {
        for (String condition : policy.retryOn()) {
            if (!CONDITIONS.contains(condition)) {
                throw new IllegalArgumentException("retryOn: '" + condition + "' (expected one of: "
                        + String.join(", ", new java.util.TreeSet<>(CONDITIONS)) + ")");
            }
        }
        this.attempts = policy.attempts();
        this.perTryTimeoutNanos = policy.perTryTimeout() == null ? 0 : policy.perTryTimeout().toNanos();
        Set<String> on = policy.retryOn();
        this.connectFailure = on.contains("connect-failure");
        this.reset = on.contains("reset");
        this.refusedStream = on.contains("refused-stream");
        this.serverError = on.contains("5xx");
        this.gatewayError = on.contains("gateway-error");
        this.statusCodes = on.contains("retriable-status-codes");
        this.retriableStatusCodes = Set.copyOf(policy.retriableStatusCodes());
        Duration base = policy.backoffBase() == null || policy.backoffBase().isZero() || policy.backoffBase().isNegative()
                ? DEFAULT_BACKOFF : policy.backoffBase();
        this.backoffBaseNanos = base.toNanos();
    }

    /** Retries after the first try. */
    public int attempts() {
        return attempts;
    }

    /** Timeout of each try until its response head; 0: only the route's request timeout. */
    public long perTryTimeoutNanos() {
        return perTryTimeoutNanos;
    }

    /**
     * Whether a failure of this kind is retried. {@code 5xx} covers every 5xx answer and every failure
     * without one (connect failure, reset, per-try timeout); {@code gateway-error} covers 502, 503 and
     * 504 and those same failures, which the client would see as 502 or 504.
     */
    public boolean retries(Failure failure, int status) {
        return switch (failure) {
            case CONNECT -> connectFailure || serverError || gatewayError;
            case RESET -> reset || serverError || gatewayError;
            case REFUSED -> refusedStream || reset || serverError || gatewayError; // Envoy: a refusal is a reset
            case TIMEOUT -> serverError || gatewayError;
            case STATUS -> (serverError && status >= 500)
                    || (gatewayError && (status == 502 || status == 503 || status == 504))
                    || (statusCodes && retriableStatusCodes.contains(status));
        };
    }

    /**
     * The wait before retry number {@code retry} (1 for the first): Envoy's fully jittered exponential
     * backoff, a random time up to {@code base * 2^(retry-1)}, capped at ten times the base.
     */
    public long backoffNanos(int retry) {
        long ceiling = Math.min(backoffBaseNanos << Math.min(retry - 1, 20), backoffBaseNanos * 10);
        return ThreadLocalRandom.current().nextLong(ceiling + 1);
    }
}
