package io.tidegate.kernel.runtime;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.model.TcpRoute;

/**
 * A {@link TcpRoute} ready for the connection path: its clusters resolved to {@link ClusterRuntime}s
 * (null where no source defines the cluster), the weighted split precomputed, the idle timeout resolved
 * against the listener's. Immutable; shared by every connection that matches it.
 */
public final class CompiledTcpRoute {

    private final TcpRoute route;
    private final ClusterRuntime[] clusters;
    private final WeightedRandom split;
    private final long idleTimeoutNanos;

    CompiledTcpRoute(TcpRoute route, ClusterRuntime[] clusters, long idleTimeoutNanos) {
        this.route = requireNonNull(route, "route");
        this.clusters = clusters;
        this.idleTimeoutNanos = idleTimeoutNanos;
        int[] weights = new int[clusters.length];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = route.clusters().get(i).weight();
        }
        this.split = clusters.length > 1 ? new WeightedRandom(weights) : null;
    }

    public TcpRoute route() {
        return route;
    }

    public String name() {
        return route.name();
    }

    /**
     * The destination for a new connection, chosen by weight: an index into {@link #clusterName} and
     * {@link #cluster}, or -1 when every weight is 0.
     */
    public int pickDestination() {
        return split == null ? 0 : split.pick(); // one destination takes everything, whatever its weight
    }

    /** The compiled cluster of destination {@code i}; null when no source defines it. */
    public ClusterRuntime cluster(int i) {
        return clusters[i];
    }

    /** The cluster name of destination {@code i}, defined or not. */
    public String clusterName(int i) {
        return route.clusters().get(i).cluster();
    }

    /** Connections with no byte either way for this long are closed. */
    public long idleTimeoutNanos() {
        return idleTimeoutNanos;
    }
}
