package io.tidegate.kernel.runtime;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.HashPolicy;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.policy.RequestView;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A cluster ready for the request path: its healthy endpoints as an array and a lock-free balancer.
 * Rebuilt only when the cluster's spec changes, so balancer state survives unrelated config swaps.
 */
public final class ClusterRuntime {

    private final Cluster spec;
    private final Endpoint[] endpoints;
    private final Balancer balancer;
    /** What a consistent-hash balancer hashes; null for the other balancers. */
    private final HashKeys hashKeys;
    /** Session-affinity cookie value of each endpoint, and back; empty without affinity. */
    private final String[] affinityValues;
    private final Map<String, Integer> affinityIndex;
    private final long connectTimeoutMillis;
    private final long idleTimeoutNanos;

    ClusterRuntime(Cluster spec, Duration defaultConnectTimeout, Duration defaultIdleTimeout) {
        this.spec = requireNonNull(spec, "spec");
        List<Endpoint> usable = spec.endpoints().stream().filter(e -> e.health().acceptsTraffic()).toList();
        this.endpoints = usable.toArray(new Endpoint[0]);
        this.balancer = endpoints.length == 0 ? null : balancerFor(spec.loadBalancer(), endpoints);
        this.hashKeys = balancer instanceof HashBalancer ? new HashKeys(spec.loadBalancer().hashPolicies()) : null;
        this.affinityValues = new String[hashKeys != null && hashKeys.affinity() != null ? endpoints.length : 0];
        this.affinityIndex = new HashMap<>();
        for (int i = 0; i < affinityValues.length; i++) {
            // A digest of the endpoint, not its address: the cookie names an endpoint without revealing it.
            affinityValues[i] = Long.toHexString(Hashing.hash("tidegate-affinity:" + spec.name() + "/"
                    + endpoints[i].address()));
            affinityIndex.put(affinityValues[i], i);
        }
        this.connectTimeoutMillis = (spec.connectTimeout() != null ? spec.connectTimeout() : defaultConnectTimeout)
                .toMillis();
        this.idleTimeoutNanos = (spec.idleTimeout() != null ? spec.idleTimeout() : defaultIdleTimeout).toNanos();
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
            case RING_HASH -> new RingHash(keys(endpoints), weights);
            case MAGLEV -> new Maglev(keys(endpoints), weights);
        };
    }

    /** Endpoint identities for hashing: their addresses, so every gateway builds the same ring. */
    private static String[] keys(Endpoint[] endpoints) {
        String[] keys = new String[endpoints.length];
        for (int i = 0; i < endpoints.length; i++) {
            keys[i] = endpoints[i].address().toString();
        }
        return keys;
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

    /**
     * The index of the endpoint for {@code request}, or -1 when none is healthy. Consistent-hash
     * clusters hash the request's key; a valid session-affinity cookie picks its endpoint directly
     * (it stays sticky when other endpoints come and go).
     */
    public int pick(RequestView request) {
        if (hashKeys == null) {
            return pick();
        }
        HashPolicy affinity = hashKeys.affinity();
        if (affinity != null) {
            String value = HashKeys.cookie(request, affinity.name());
            Integer sticky = value == null ? null : affinityIndex.get(value);
            if (sticky != null) {
                return sticky;
            }
        }
        String key = hashKeys.key(request);
        HashBalancer hb = (HashBalancer) balancer;
        return key == null ? hb.pick() : hb.pick(Hashing.hash(key));
    }

    /**
     * The {@code Set-Cookie} value that binds the client to endpoint {@code index}, when this cluster
     * generates session-affinity cookies and the request did not carry a valid one; otherwise null.
     */
    public String affinityCookie(RequestView request, int index) {
        if (affinityValues.length == 0) {
            return null;
        }
        HashPolicy affinity = hashKeys.affinity();
        String value = HashKeys.cookie(request, affinity.name());
        if (value != null && affinityIndex.containsKey(value)) {
            return null;
        }
        String path = affinity.cookiePath() == null ? "/" : affinity.cookiePath();
        long maxAge = affinity.cookieTtl().toSeconds();
        return affinity.name() + "=" + affinityValues[index] + "; Path=" + path
                + (maxAge > 0 ? "; Max-Age=" + maxAge : "") + "; HttpOnly"
                + ("https".equals(request.scheme()) ? "; Secure" : "");
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
}
