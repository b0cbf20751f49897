package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

/**
 * Sends a copy of matching requests to another cluster, fire-and-forget; its response is dropped.
 *
 * @param cluster the shadow cluster
 * @param percent share of requests mirrored, 0 to 100
 */
public record MirrorPolicy(String cluster, double percent) {

    public MirrorPolicy {
        requireNonNull(cluster, "cluster");
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("percent: " + percent + " (expected: 0-100)");
        }
    }
}
