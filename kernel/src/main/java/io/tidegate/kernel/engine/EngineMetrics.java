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
    private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx", "none"};

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
    private final MetricsRegistry registry;
    private final Metrics.CounterFamily listenerOverflows;
    private final Metrics.CounterFamily upstreamH2Opened;
    private final Metrics.CounterFamily upstreamH2Closed;
    private final Metrics.CounterFamily upstreamH2Streams;
    private final LongAdder upstreamH2Active = new LongAdder();
    private final Metrics.CounterFamily overflows;
    private final Metrics.CounterFamily mirrors;
    /** By route, then cluster. */
    private final ConcurrentHashMap<String, java.util.concurrent.ConcurrentMap<String, Series>> series =
            new ConcurrentHashMap<>();
    private final LongAdder active = new LongAdder();
    private final LongAdder connections = new LongAdder();

    EngineMetrics(MetricsRegistry registry) {
        this.registry = registry;
        listenerOverflows = registry.counter("tidegate_listener_connections_overflow_total",
                "Client connections closed at once because their listener had maxConnections open, by listener.",
                "listener");
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
                "Time from request head to last response byte, by route, cluster and status class.", LATENCY_BUCKETS,
                "route", "cluster", "code_class");
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
        upstreamH2Opened = registry.counter("tidegate_upstream_http2_connections_opened_total",
                "HTTP/2 connections opened to upstreams, by cluster.", "cluster");
        upstreamH2Closed = registry.counter("tidegate_upstream_http2_connections_closed_total",
                "HTTP/2 upstream connections closed, by cluster (opened minus closed: open now).", "cluster");
        upstreamH2Streams = registry.counter("tidegate_upstream_http2_streams_total",
                "HTTP/2 streams opened to upstreams (one a request try), by cluster.", "cluster");
        registry.gauge("tidegate_upstream_http2_connections_active", "Open HTTP/2 upstream connections.",
                upstreamH2Active::sum);
        registry.gauge("tidegate_requests_active", "Requests in flight.", active::sum);
        registry.gauge("tidegate_downstream_connections_active", "Open client connections.", connections::sum);
        AllocatorGauges.register(registry);
    }

    /** Requests in flight across all loops. */
    long activeRequests() {
        return active.sum();
    }

    void requestStarted() {
        active.increment();
    }

    /** Registers a listener's open-connections gauge; returns its overflow counter. */
    Metrics.Counter listenerConnections(String listener, java.util.function.IntSupplier open) {
        registry.gauge("tidegate_listener_connections_active", "Open client connections, by listener.", "listener",
                listener, open::getAsInt);
        return listenerOverflows.labels(listener);
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

    /** An HTTP/2 upstream connection is up (it counts as an upstream connection too). */
    void upstreamHttp2ConnectionOpened(String cluster) {
        upstreamConnects.labels(cluster).increment();
        upstreamH2Opened.labels(cluster).increment();
        upstreamH2Active.increment();
    }

    void upstreamHttp2ConnectionClosed(String cluster) {
        upstreamH2Closed.labels(cluster).increment();
        upstreamH2Active.decrement();
    }

    void upstreamHttp2Stream(String cluster) {
        upstreamH2Streams.labels(cluster).increment();
    }

    void upstreamTlsHandshake(String cluster, boolean success) {
        upstreamTlsHandshakes.labels(cluster, success ? "success" : "failure").increment();
    }

    void requestEnded(String route, String cluster, int status, long durationNanos) {
        active.decrement();
        String r = route == null ? "" : route;
        String c = cluster == null ? "" : cluster;
        // Two lookups on strings whose hash is cached, and no lambda or key allocated when the series exists.
        java.util.concurrent.ConcurrentMap<String, Series> byCluster = series.get(r);
        if (byCluster == null) {
            byCluster = series.computeIfAbsent(r, k -> new java.util.concurrent.ConcurrentHashMap<>());
        }
        Series s = byCluster.get(c);
        if (s == null) {
            s = byCluster.computeIfAbsent(c, k -> new Series(r, k));
        }
        int cls = status / 100 - 1;
        if (cls < 0 || cls >= CLASSES.length - 1) {
            cls = CLASSES.length - 1; // no status sent (the client left first): "none"
        }
        s.byClass(cls).increment();
        s.latency(cls).observe(durationNanos / 1e9);
    }

    /**
     * The children of one (route, cluster): labels come from config (route and cluster names) and five status
     * classes, never from the request, so the number of series is bounded by the config.
     */
    private final class Series {
        private final String route;
        private final String cluster;
        private final Metrics.Counter[] byClass = new Metrics.Counter[CLASSES.length];
        private final Metrics.Histogram[] latencyByClass = new Metrics.Histogram[CLASSES.length];

        Series(String route, String cluster) {
            this.route = route;
            this.cluster = cluster;
        }

        Metrics.Counter byClass(int cls) {
            Metrics.Counter c = byClass[cls];
            if (c == null) {
                c = requests.labels(route, cluster, CLASSES[cls]);
                byClass[cls] = c;
            }
            return c;
        }

        Metrics.Histogram latency(int cls) {
            Metrics.Histogram h = latencyByClass[cls];
            if (h == null) {
                h = latency.labels(route, cluster, CLASSES[cls]);
                latencyByClass[cls] = h;
            }
            return h;
        }
    }
}
