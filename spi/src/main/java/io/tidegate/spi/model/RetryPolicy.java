package io.tidegate.spi.model;

import java.time.Duration;
import java.util.Set;

/**
 * Retries of a forwarded request. A request is retried only when its body is replayable.
 *
 * @param attempts retries after the first try (0 disables)
 * @param perTryTimeout timeout of each try; null: the route's request timeout
 * @param retryOn conditions, Envoy's names: {@code connect-failure}, {@code reset}, {@code refused-stream},
 *                {@code 5xx}, {@code gateway-error}, {@code retriable-status-codes}
 * @param retriableStatusCodes status codes retried with {@code retriable-status-codes}
 * @param backoffBase base interval of the jittered exponential backoff; null: 25ms
 */
public record RetryPolicy(int attempts, Duration perTryTimeout, Set<String> retryOn, Set<Integer> retriableStatusCodes,
                          Duration backoffBase) {

    public RetryPolicy {
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts: " + attempts + " (expected: >= 0)");
        }
        retryOn = Set.copyOf(retryOn);
        retriableStatusCodes = Set.copyOf(retriableStatusCodes);
    }
}
