package io.tidegate.kernel.runtime;

import static java.util.Objects.requireNonNull;

import io.tidegate.kernel.tls.UpstreamTlsContext;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.HashPolicy;
import io.tidegate.spi.model.HealthCheck;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.policy.RequestView;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A cluster ready for the request path: its endpoints as an array, the {@link Selection} of those
 * that receive new requests now, and a lock-free balancer over it. Rebuilt only when the cluster's
 * spec changes, so balancer state, health-check results and ejections survive unrelated config swaps.
 *
 * <p>Endpoint indexes are stable for the life of the runtime: they index {@link #endpoint}, whatever
 * the selection. Active health checks ({@link #reportHealthCheck}) and outlier detection
 * ({@link #onRequestEnd}) change the selection; a request reads it once per pick.
 */
public final class ClusterRuntime {

    private final Cluster spec;
    private final Endpoint[] endpoints;
    private final LoadBalancer loadBalancer;
    /** What a consistent-hash balancer hashes; null for the other balancers. */
    private final HashKeys hashKeys;
    /** Session-affinity cookie value of each endpoint, and back; empty without affinity. */
    private final String[] affinityValues;
    private final Map<String, Integer> affinityIndex;
    /** Requests in flight per endpoint, for least-request; null for the other balancers. */
    private final LeastRequest.Counts active;
    private final boolean[] activeCheckFailing;
    private final int[] checkStreak;
    private final OutlierDetector outliers;
    private final LongSupplier nanoClock;
    private final long connectTimeoutMillis;
    private final long idleTimeoutNanos;
    private volatile Selection selection;
    /** Requests in flight to this cluster, for the retry budget. */
    private final java.util.concurrent.atomic.LongAdder inFlight = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.AtomicInteger retriesInFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final UpstreamTlsContext tls;
    /**
     * Null when the cluster has no limits: the request path then skips every breaker check. Set before the
     * compiled config is published, never after ({@link #keepBreakerOf}).
     */
    private CircuitBreaker breaker;

    /** @throws IllegalArgumentException when its {@code tls} cannot be used (the compiler reports it) */
    ClusterRuntime(Cluster spec, Duration defaultConnectTimeout, Duration defaultIdleTimeout) {
        this(spec, defaultConnectTimeout, defaultIdleTimeout, System::nanoTime);
    }

    ClusterRuntime(Cluster spec, Duration defaultConnectTimeout, Duration defaultIdleTimeout, LongSupplier nanoClock) {
        this.spec = requireNonNull(spec, "spec");
        this.nanoClock = requireNonNull(nanoClock, "nanoClock");
        List<Endpoint> usable = spec.endpoints().stream().filter(e -> e.health().acceptsTraffic()).toList();
        this.endpoints = usable.toArray(new Endpoint[0]);
        this.loadBalancer = spec.loadBalancer();
        LoadBalancer.Policy policy = loadBalancer.policy();
        boolean hashing = policy == LoadBalancer.Policy.RING_HASH || policy == LoadBalancer.Policy.MAGLEV;
        this.hashKeys = hashing ? new HashKeys(loadBalancer.hashPolicies()) : null;
        this.active = policy == LoadBalancer.Policy.LEAST_REQUEST ? new LeastRequest.Counts(endpoints.length) : null;
        this.affinityValues = new String[hashKeys != null && hashKeys.affinity() != null ? endpoints.length : 0];
        this.affinityIndex = new HashMap<>();
        for (int i = 0; i < affinityValues.length; i++) {
            // A digest of the endpoint, not its address: the cookie names an endpoint without revealing it.
            affinityValues[i] = Long.toHexString(Hashing.hash("tidegate-affinity:" + spec.name() + "/"
                    + endpoints[i].address()));
            affinityIndex.put(affinityValues[i], i);
        }
        this.activeCheckFailing = new boolean[endpoints.length];
        this.checkStreak = new int[endpoints.length];
        this.outliers = spec.outlierDetection() == null ? null
                : new OutlierDetector(spec.outlierDetection(), endpoints.length, nanoClock.getAsLong());
        this.connectTimeoutMillis = (spec.connectTimeout() != null ? spec.connectTimeout() : defaultConnectTimeout)
                .toMillis();
        this.idleTimeoutNanos = (spec.idleTimeout() != null ? spec.idleTimeout() : defaultIdleTimeout).toNanos();
        this.selection = select();
        this.tls = spec.tls() == null ? null : UpstreamTlsContext.build(spec.tls(),
                spec.protocol() == Cluster.UpstreamProtocol.HTTP2);
        this.breaker = CircuitBreaker.of(spec.limits());
    }

    /**
     * Takes over {@code previous}'s breaker when the limits are the same: its counts are of the connections,
     * requests and retries still live (pooled connections outlive a generation), so an endpoint change must
     * not start them again from zero. Called by the compiler, before this runtime is published.
     */
    void keepBreakerOf(ClusterRuntime previous) {
        if (previous.breaker != null && previous.spec.limits().equals(spec.limits())) {
            breaker = previous.breaker;
        }
    }

    /** The cluster's circuit breakers, or null when it sets no limit. */
    public CircuitBreaker breaker() {
        return breaker;
    }

    /** Requests one upstream connection carries before it is closed; 0: unlimited. */
    public int maxRequestsPerConnection() {
        return Math.max(0, spec.limits().maxRequestsPerConnection());
    }

    public String name() {
        return spec.name();
    }

    public Cluster spec() {
        return spec;
    }

    /** The index of the endpoint for the next request, or -1 when none is healthy. */
    public int pick() {
        Selection s = current();
        return s.balancer() == null ? -1 : s.members()[s.balancer().pick()];
    }

    /**
     * The index of the endpoint for {@code request}, or -1 when none is healthy. Consistent-hash
     * clusters hash the request's key; a valid session-affinity cookie picks its endpoint directly
     * while that endpoint is in the selection (it stays sticky when other endpoints come and go).
     */
    public int pick(RequestView request) {
        if (hashKeys == null) {
            return pick();
        }
        Selection s = current();
        if (s.balancer() == null) {
            return -1;
        }
        HashPolicy affinity = hashKeys.affinity();
        if (affinity != null) {
            String value = HashKeys.cookie(request, affinity.name());
            Integer sticky = value == null ? null : affinityIndex.get(value);
            if (sticky != null && s.usable()[sticky]) {
                return sticky;
            }
        }
        String key = hashKeys.key(request);
        HashBalancer hb = (HashBalancer) s.balancer();
        return s.members()[key == null ? hb.pick() : hb.pick(Hashing.hash(key))];
    }

    /**
     * An endpoint for a retry: another than {@code avoid} when the selection has one (three tries of
     * the balancer, as Envoy's previous-hosts predicate does), else {@code avoid} itself; -1 when none
     * is healthy. Consistent-hash clusters pick at random here: the hash would repeat the failed choice.
     */
    public int pickOther(int avoid) {
        Selection s = current();
        if (s.balancer() == null) {
            return -1;
        }
        int index = avoid;
        for (int i = 0; i < 3 && index == avoid && s.size() > 1; i++) {
            index = s.members()[s.balancer().pick()];
        }
        return s.size() == 1 ? s.members()[0] : index;
    }

    /**
     * The {@code Set-Cookie} value that binds the client to endpoint {@code index}, when this cluster
     * generates session-affinity cookies and the request's cookie does not already name that
     * endpoint; otherwise null.
     */
    public String affinityCookie(RequestView request, int index) {
        if (affinityValues.length == 0) {
            return null;
        }
        HashPolicy affinity = hashKeys.affinity();
        String value = HashKeys.cookie(request, affinity.name());
        if (value != null && Integer.valueOf(index).equals(affinityIndex.get(value))) {
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

    /** Endpoints the source lets receive traffic (healthy or unknown), whatever checks say. */
    public int endpointCount() {
        return endpoints.length;
    }

    /** Endpoints receiving new requests now: neither failing active checks nor ejected. */
    public int healthyEndpoints() {
        Selection s = current();
        return s.balancer() == null ? 0 : panic(s) ? 0 : s.size();
    }

    public void onRequestStart(int index) {
        inFlight.increment();
        if (active != null) {
            active.started(index);
        }
    }

    /**
     * Takes a place in the retry budget: Envoy's default, retries in flight at most 20% of the
     * requests in flight to the cluster, and always at least 3. A retry storm against a failing
     * cluster is bounded by it.
     *
     * A cluster with {@code limits.maxRetries} uses that circuit breaker instead of the budget.
     *
     * @return false when the budget is spent (the request is not retried)
     */
    public boolean tryStartRetry() {
        if (breaker != null && breaker.limits().maxRetries() > 0) {
            return breaker.tryStartRetry();
        }
        long budget = Math.max(3, inFlight.sum() / 5);
        while (true) {
            int now = retriesInFlight.get();
            if (now >= budget) {
                return false;
            }
            if (retriesInFlight.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** Gives back the place {@link #tryStartRetry} took. */
    public void retryEnded() {
        if (breaker != null && breaker.limits().maxRetries() > 0) {
            breaker.retryEnded();
            return;
        }
        retriesInFlight.decrementAndGet();
    }

    /**
     * A request to endpoint {@code index} ended: with the upstream's {@code status} (0 when none
     * arrived), or with a gateway error (connect failure, reset, timeout, bad framing).
     *
     * @return whether this result ejected the endpoint (outlier detection)
     */
    public boolean onRequestEnd(int index, int status, boolean gatewayError) {
        inFlight.decrement();
        if (active != null) {
            active.ended(index);
        }
        if (outliers == null || !outliers.record(index, status, gatewayError)) {
            return false;
        }
        synchronized (this) {
            if (!outliers.eject(index, nanoClock.getAsLong())) {
                return false;
            }
            selection = select();
        }
        return true;
    }

    /** The active health check of this cluster, or null. */
    public HealthCheck healthCheck() {
        return spec.healthCheck();
    }

    /**
     * One active health check result for endpoint {@code index}. After {@code unhealthyThreshold}
     * failures in a row the endpoint leaves the selection; after {@code healthyThreshold} successes
     * in a row it returns. Called by one checker per endpoint, never concurrently for one index.
     *
     * @return whether the endpoint's state changed
     */
    public boolean reportHealthCheck(int index, boolean ok) {
        HealthCheck hc = spec.healthCheck();
        int streak = checkStreak[index];
        streak = ok ? (streak > 0 ? streak + 1 : 1) : (streak < 0 ? streak - 1 : -1);
        checkStreak[index] = streak;
        boolean failing = activeCheckFailing[index];
        boolean turn = failing ? ok && streak >= Math.max(1, hc.healthyThreshold())
                : !ok && -streak >= Math.max(1, hc.unhealthyThreshold());
        if (!turn) {
            return false;
        }
        synchronized (this) {
            activeCheckFailing[index] = !failing;
            selection = select();
        }
        return true;
    }

    /** Whether endpoint {@code index} receives new requests now. */
    public boolean isServing(int index) {
        Selection s = current();
        return s.usable()[index] && !panic(s);
    }

    /** Whether outlier detection has ejected endpoint {@code index}. */
    public boolean isEjected(int index) {
        return outliers != null && outliers.isEjected(index);
    }

    public long connectTimeoutMillis() {
        return connectTimeoutMillis;
    }

    public long idleTimeoutNanos() {
        return idleTimeoutNanos;
    }

    /** The selection, after returning ejected endpoints whose time is up (checked once an interval). */
    private Selection current() {
        if (outliers != null && outliers.sweepDue(nanoClock.getAsLong())) {
            synchronized (this) {
                if (outliers.sweep(nanoClock.getAsLong())) {
                    selection = select();
                }
            }
        }
        return selection;
    }

    /** Caller holds the lock (or is the constructor). */
    private Selection select() {
        boolean[] usable = new boolean[endpoints.length];
        boolean any = false;
        for (int i = 0; i < endpoints.length; i++) {
            usable[i] = !activeCheckFailing[i] && (outliers == null || !outliers.isEjected(i));
            any |= usable[i];
        }
        if (!any) {
            // Panic, as nginx and Envoy do: when checks fail every endpoint, trying them beats a sure 503.
            java.util.Arrays.fill(usable, true);
        }
        return Selection.of(endpoints, usable, loadBalancer, active);
    }

    /** Every endpoint is failing checks or ejected, and the selection holds them all anyway. */
    private boolean panic(Selection s) {
        if (s.size() != endpoints.length || endpoints.length == 0) {
            return false;
        }
        for (int i = 0; i < endpoints.length; i++) {
            if (!activeCheckFailing[i] && (outliers == null || !outliers.isEjected(i))) {
                return false;
            }
        }
        return true;
    }

    /** TLS origination, built once with the cluster; null: plaintext. */
    public UpstreamTlsContext tls() {
        return tls;
    }
}
