package io.tidegate.kernel.engine;

import io.tidegate.kernel.metrics.MetricsRegistry;
import io.tidegate.spi.plugin.Metrics;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The engine's request metrics. Children are cached per (route, cluster) so the request path does
 * one map lookup, not a label-list allocation.
 */
final class EngineMetrics {

    private static final double[] LATENCY_BUCKETS =
            {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private final Metrics.CounterFamily requests;
    private final Metrics.HistogramFamily latency;
    private final Metrics.CounterFamily upstreamConnects;
    private final Metrics.CounterFamily ejections;
    private final Metrics.CounterFamily retries;
    private final Metrics.CounterFamily retryOverflows;
    private final Metrics.CounterFamily healthChecks;
    private final Metrics.CounterFamily healthTransitions;
    private final Metrics.CounterFamily tlsHandshakes;
    private final Metrics.CounterFamily upstreamTlsHandshakes;
    private final Metrics.CounterFamily http2Streams;
    private final Metrics.CounterFamily http2Connections;
    private final Metrics.CounterFamily overflows;
    private final Metrics.CounterFamily mirrors;
    private final MetricsRegistry registry;
    private final ConcurrentHashMap<String, Series> series = new ConcurrentHashMap<>();
    private final LongAdder active = new LongAdder();
    private final LongAdder connections = new LongAdder();

    EngineMetrics(MetricsRegistry registry) {
        this.registry = registry;
        overflows = registry.counter("tidegate_upstream_overflow_total",
                "Requests a cluster's circuit breaker held back, by cluster and limit (maxConnections: waited for a"
                        + " connection; maxPendingRequests, maxRequests: answered 503; maxRetries: not retried).",
                "cluster", "limit");
        mirrors = registry.counter("tidegate_mirror_requests_total",
                "Mirrored request copies by shadow cluster and result (mirrored: answered; abandoned: given up to"
                        + " protect the main request; failed: no endpoint, connect failure, reset or timeout).",
                "cluster", "result");
        requests = registry.counter("tidegate_requests_total", "Requests answered, by route, cluster and status class.",
                "route", "cluster", "code_class");
        latency = registry.histogram("tidegate_request_duration_seconds",
                "Time from request head to last response byte, by route.", LATENCY_BUCKETS, "route");
        upstreamConnects = registry.counter("tidegate_upstream_connections_opened_total",
                "Upstream connections opened, by cluster.", "cluster");
        retries = registry.counter("tidegate_upstream_retries_total", "Requests retried, by cluster.", "cluster");
        retryOverflows = registry.counter("tidegate_upstream_retry_overflow_total",
                "Retries refused because the cluster's retry budget was spent, by cluster.", "cluster");
        ejections = registry.counter("tidegate_outlier_ejections_total",
                "Endpoints ejected by outlier detection, by cluster.", "cluster");
        healthChecks = registry.counter("tidegate_health_checks_total",
                "Active health checks, by cluster and result (success, failure).", "cluster", "result");
        healthTransitions = registry.counter("tidegate_health_transitions_total",
                "Endpoints turned unhealthy or healthy by active checks, by cluster and new state.", "cluster", "state");
        tlsHandshakes = registry.counter("tidegate_tls_handshakes_total",
                "TLS handshakes with clients, by listener, protocol version and result (success, failure).",
                "listener", "protocol", "result");
        upstreamTlsHandshakes = registry.counter("tidegate_upstream_tls_handshakes_total",
                "TLS handshakes with upstreams, by cluster and result (success, failure).", "cluster", "result");
        http2Streams = registry.counter("tidegate_http2_streams_total",
                "HTTP/2 streams opened by clients, by listener.", "listener");
        http2Connections = registry.counter("tidegate_http2_connections_total",
                "Client connections that speak HTTP/2 (ALPN h2 or h2c prior knowledge), by listener.", "listener");
        registry.gauge("tidegate_requests_active", "Requests in flight.", active::sum);
        registry.gauge("tidegate_downstream_connections_active", "Open client connections.", connections::sum);
        registry.gauge("tidegate_netty_direct_memory_bytes", "Direct memory used by Netty's allocator.",
                () -> io.netty.util.internal.PlatformDependent.usedDirectMemory());
    }

    /** Requests in flight across all loops. */
    long activeRequests() {
        return active.sum();
    }

    void requestStarted() {
        active.increment();
    }

    void connectionOpened() {
        connections.increment();
    }

    void connectionClosed() {
        connections.decrement();
    }

    void upstreamConnectionOpened(String cluster) {
        upstreamConnects.labels(cluster).increment();
    }

    void retried(String cluster) {
        retries.labels(cluster).increment();
    }

    void retryOverflow(String cluster) {
        retryOverflows.labels(cluster).increment();
    }

    /** A circuit breaker of {@code cluster} overflowed; {@code limit} is the limit's key. */
    void overflow(String cluster, String limit) {
        overflows.labels(cluster, limit).increment();
    }

    /** A mirror copy to {@code cluster} ended: {@code mirrored}, {@code abandoned} or {@code failed}. */
    void mirror(String cluster, String result) {
        mirrors.labels(cluster, result).increment();
    }

    /** Gauges of the live clusters that have circuit breakers: open connections, pending and active requests. */
    void breakerGauges(java.util.function.Supplier<io.tidegate.kernel.runtime.CompiledConfig> live) {
        registry.gauges("tidegate_upstream_connections_open", "Open upstream connections of clusters with limits.",
                "cluster", () -> breakers(live, io.tidegate.kernel.runtime.CircuitBreaker::openConnections));
        registry.gauges("tidegate_upstream_requests_pending",
                "Requests waiting for an upstream connection (maxConnections reached), by cluster with limits.",
                "cluster", () -> breakers(live, io.tidegate.kernel.runtime.CircuitBreaker::pendingRequests));
        registry.gauges("tidegate_upstream_requests_active", "Requests in flight to clusters with limits.",
                "cluster", () -> breakers(live, io.tidegate.kernel.runtime.CircuitBreaker::activeRequests));
    }

    private static java.util.Map<String, Integer> breakers(
            java.util.function.Supplier<io.tidegate.kernel.runtime.CompiledConfig> live,
            java.util.function.ToIntFunction<io.tidegate.kernel.runtime.CircuitBreaker> reading) {
        java.util.Map<String, Integer> out = new java.util.HashMap<>();
        live.get().clusters().forEach((name, cluster) -> {
            if (cluster.breaker() != null) {
                out.put(name, reading.applyAsInt(cluster.breaker()));
            }
        });
        return out;
    }

    void outlierEjected(String cluster) {
        ejections.labels(cluster).increment();
    }

    void healthChecked(String cluster, boolean ok, boolean changed) {
        healthChecks.labels(cluster, ok ? "success" : "failure").increment();
        if (changed) {
            healthTransitions.labels(cluster, ok ? "healthy" : "unhealthy").increment();
        }
    }

    /** A client handshake ended; {@code protocol} is empty when it failed. */
    void tlsHandshake(String listener, String protocol, boolean success) {
        tlsHandshakes.labels(listener, protocol == null ? "" : protocol, success ? "success" : "failure").increment();
    }

    void http2Stream(String listener) {
        http2Streams.labels(listener).increment();
    }

    void http2ConnectionOpened(String listener) {
        http2Connections.labels(listener).increment();
    }

    void upstreamTlsHandshake(String cluster, boolean success) {
        upstreamTlsHandshakes.labels(cluster, success ? "success" : "failure").increment();
    }

    void requestEnded(String route, String cluster, int status, long durationNanos) {
        active.decrement();
        String r = route == null ? "" : route;
        String c = cluster == null ? "" : cluster;
        Series s = series.computeIfAbsent(r + '\u0000' + c, k -> new Series(r, c));
        int cls = status / 100 - 1;
        if (cls >= 0 && cls < CLASSES.length) {
            s.byClass(cls).increment();
        }
        s.latency.observe(durationNanos / 1e9);
    }

    private final class Series {
        private final String route;
        private final String cluster;
        private final Metrics.Counter[] byClass = new Metrics.Counter[CLASSES.length];
        final Metrics.Histogram latency;

        Series(String route, String cluster) {
            this.route = route;
            this.cluster = cluster;
            this.latency = EngineMetrics.this.latency.labels(route);
        }

        Metrics.Counter byClass(int cls) {
            Metrics.Counter c = byClass[cls];
            if (c == null) {
                c = requests.labels(route, cluster, CLASSES[cls]);
                byClass[cls] = c;
            }
            return c;
        }
    }
}
