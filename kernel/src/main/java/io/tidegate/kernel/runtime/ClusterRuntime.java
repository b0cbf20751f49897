package io.tidegate.kernel.runtime;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.kernel.tls.UpstreamTlsContext;
import java.time.Duration;
import java.util.List;

/**
 * A cluster ready for the request path: its healthy endpoints as an array and a lock-free balancer.
 * Rebuilt only when the cluster's spec changes, so balancer state survives unrelated config swaps.
 */
public final class ClusterRuntime {

    private final Cluster spec;
    private final Endpoint[] endpoints;
    private final Balancer balancer;
    private final long connectTimeoutMillis;
    private final long idleTimeoutNanos;
    private final UpstreamTlsContext tls;

    /** @throws IllegalArgumentException when its {@code tls} cannot be used (the compiler reports it) */
    ClusterRuntime(Cluster spec, Duration defaultConnectTimeout, Duration defaultIdleTimeout) {
        this.spec = requireNonNull(spec, "spec");
        List<Endpoint> usable = spec.endpoints().stream().filter(e -> e.health().acceptsTraffic()).toList();
        this.endpoints = usable.toArray(new Endpoint[0]);
        this.balancer = endpoints.length == 0 ? null : balancerFor(spec.loadBalancer(), endpoints);
        this.connectTimeoutMillis = (spec.connectTimeout() != null ? spec.connectTimeout() : defaultConnectTimeout)
                .toMillis();
        this.idleTimeoutNanos = (spec.idleTimeout() != null ? spec.idleTimeout() : defaultIdleTimeout).toNanos();
        this.tls = spec.tls() == null ? null : UpstreamTlsContext.build(spec.tls());
    }

    private static Balancer balancerFor(LoadBalancer lb, Endpoint[] endpoints) {
        int[] weights = new int[endpoints.length];
        for (int i = 0; i < endpoints.length; i++) {
            weights[i] = endpoints[i].weight();
        }
        return switch (lb.policy()) {
            case ROUND_ROBIN -> new SmoothWeightedRoundRobin(weights);
            case RANDOM -> new WeightedRandom(weights);
            case LEAST_REQUEST -> new LeastRequest(endpoints.length);
            // Rejected by the compiler until the engine issue brings consistent hashing.
            case RING_HASH, MAGLEV -> throw new IllegalArgumentException(
                    "loadBalancer: " + lb.policy() + " is not supported by this build");
        };
    }

    public String name() {
        return spec.name();
    }

    public Cluster spec() {
        return spec;
    }

    /** The index of the endpoint for the next request, or -1 when none is healthy. */
    public int pick() {
        return balancer == null ? -1 : balancer.pick();
    }

    public Endpoint endpoint(int index) {
        return endpoints[index];
    }

    public int healthyEndpoints() {
        return endpoints.length;
    }

    public void onRequestStart(int index) {
        balancer.onStart(index);
    }

    public void onRequestEnd(int index) {
        balancer.onEnd(index);
    }

    public long connectTimeoutMillis() {
        return connectTimeoutMillis;
    }

    public long idleTimeoutNanos() {
        return idleTimeoutNanos;
    }

    /** TLS origination, built once with the cluster; null: plaintext. */
    public UpstreamTlsContext tls() {
        return tls;
    }
}
