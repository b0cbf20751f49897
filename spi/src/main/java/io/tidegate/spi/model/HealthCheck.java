package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Set;

/**
 * Active health checking of every endpoint of a cluster.
 *
 * @param kind HTTP GET or TCP connect
 * @param path path for HTTP checks
 * @param host Host header for HTTP checks; null: the cluster name
 * @param expectedStatuses statuses that count as healthy; empty: 200-399
 * @param interval time between checks
 * @param timeout time a check may take
 * @param healthyThreshold successes in a row to turn healthy
 * @param unhealthyThreshold failures in a row to turn unhealthy
 */
public record HealthCheck(Kind kind, String path, String host, Set<Integer> expectedStatuses, Duration interval,
                          Duration timeout, int healthyThreshold, int unhealthyThreshold) {

    /** Check type. */
    public enum Kind { HTTP, TCP }

    public HealthCheck {
        requireNonNull(kind, "kind");
        expectedStatuses = Set.copyOf(expectedStatuses);
        requireNonNull(interval, "interval");
        requireNonNull(timeout, "timeout");
    }
}
