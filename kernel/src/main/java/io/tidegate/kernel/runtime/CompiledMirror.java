package io.tidegate.kernel.runtime;

import static java.util.Objects.requireNonNull;

/**
 * One mirror policy of a route, ready for the request path.
 *
 * @param clusterName the shadow cluster's name
 * @param cluster the shadow cluster; null when no source defines it (nothing is mirrored)
 * @param percent share of requests copied, 0 to 100
 */
public record CompiledMirror(String clusterName, ClusterRuntime cluster, double percent) {

    public CompiledMirror {
        requireNonNull(clusterName, "clusterName");
    }
}
