package io.tidegate.kernel.runtime;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.model.HeaderEdits;
import io.tidegate.spi.model.FaultPolicy;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.WeightedCluster;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.RouteView;
import java.util.List;
import java.util.Map;

/**
 * A route ready for the request path: destinations resolved to {@link ClusterRuntime}s, rewrite and
 * timeouts compiled, policies instantiated. Immutable; shared by every request that matches it.
 */
public final class CompiledRoute implements RouteView {

    private final Route route;
    private final ClusterRuntime[] clusters;
    private final WeightedCluster[] destinations;
    private final WeightedRandom split;
    private final PathRewriter rewriter;
    private final Policy[] policies;
    private final long requestTimeoutNanos;
    private final long idleTimeoutNanos;
    private final long maxBodyBytes;
    private final Cors cors;
    private final RetryRules retries;
    private final CompiledMirror[] mirrors;

    CompiledRoute(Route route, ClusterRuntime[] clusters, PathRewriter rewriter, List<Policy> policies,
                  long requestTimeoutNanos, long idleTimeoutNanos, long maxBodyBytes) {
        this(route, clusters, rewriter, policies, requestTimeoutNanos, idleTimeoutNanos, maxBodyBytes, List.of());
    }

    CompiledRoute(Route route, ClusterRuntime[] clusters, PathRewriter rewriter, List<Policy> policies,
                  long requestTimeoutNanos, long idleTimeoutNanos, long maxBodyBytes, List<CompiledMirror> mirrors) {
        this.mirrors = mirrors.toArray(new CompiledMirror[0]);
        this.route = requireNonNull(route, "route");
        this.clusters = clusters;
        this.rewriter = rewriter;
        this.policies = policies.toArray(new Policy[0]);
        this.requestTimeoutNanos = requestTimeoutNanos;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.maxBodyBytes = maxBodyBytes;
        this.cors = route.cors() == null ? null : new Cors(route.cors());
        this.retries = route.retries() == null || route.retries().attempts() == 0 ? null : new RetryRules(route.retries());
        if (route.action() instanceof RouteAction.Forward forward) {
            destinations = forward.clusters().toArray(new WeightedCluster[0]);
            int[] weights = new int[destinations.length];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = destinations[i].weight();
            }
            split = destinations.length > 1 ? new WeightedRandom(weights) : null;
        } else {
            destinations = new WeightedCluster[0];
            split = null;
        }
    }

    /** The route's compiled CORS policy, or null. */
    public Cors cors() {
        return cors;
    }

    /** The route's mirror policies (empty: none); do not modify. */
    public CompiledMirror[] mirrors() {
        return mirrors;
    }

    /** The route's retry rules, or null when it does not retry. */
    public RetryRules retries() {
        return retries;
    }

    /** The route's injected faults, or null. */
    public FaultPolicy fault() {
        return route.fault();
    }

    public Route route() {
        return route;
    }

    @Override
    public String name() {
        return route.name();
    }

    @Override
    public Provenance provenance() {
        return route.provenance();
    }

    @Override
    public Map<String, String> metadata() {
        return route.metadata();
    }

    public RouteAction action() {
        return route.action();
    }

    /** Index of the destination for this request (by weight), or -1 when every weight is 0. */
    public int pickDestination() {
        if (split == null) {
            return destinations.length == 1 && destinations[0].weight() > 0 ? 0 : -1;
        }
        return split.pick();
    }

    /** The destination's cluster, or null when no source defines it (answered with 503). */
    public ClusterRuntime cluster(int destination) {
        return clusters[destination];
    }

    public WeightedCluster destination(int destination) {
        return destinations[destination];
    }

    public PathRewriter rewriter() {
        return rewriter;
    }

    public String authorityRewrite() {
        return route.rewrite() == null ? null : route.rewrite().authority();
    }

    public HeaderEdits requestHeaders() {
        return route.requestHeaders();
    }

    public HeaderEdits responseHeaders() {
        return route.responseHeaders();
    }

    /** Listener policies first, then the route's, in order. */
    public Policy[] policies() {
        return policies;
    }

    /** 0 when disabled. */
    public long requestTimeoutNanos() {
        return requestTimeoutNanos;
    }

    public long idleTimeoutNanos() {
        return idleTimeoutNanos;
    }

    /** 0 when unlimited. */
    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    @Override
    public String toString() {
        return route.name() + " (" + route.provenance() + ")";
    }
}
