package io.tidegate.kernel.engine;

import io.tidegate.kernel.metrics.MetricsRegistry;
import io.tidegate.spi.plugin.Metrics;
import java.util.concurrent.atomic.LongAdder;

/**
 * Metrics of the {@code tcp} and {@code tls-passthrough} listeners: connections and bytes by listener and
 * cluster, connections refused before a tunnel by reason (an SNI miss is {@code no_route}), and the open
 * L4 connections.
 */
final class L4Metrics {

    /** Why a connection was closed before its tunnel opened; the {@code reason} label. */
    enum Refusal {
        NO_ROUTE, NO_CLUSTER, NO_HEALTHY_UPSTREAM, CONNECT_FAILED, BAD_CLIENT_HELLO, CLIENT_HELLO_TIMEOUT, POLICY_DENIED;

        final String label = name().toLowerCase(java.util.Locale.ROOT);
    }

    private final Metrics.CounterFamily connections;
    private final Metrics.CounterFamily received;
    private final Metrics.CounterFamily sent;
    private final Metrics.CounterFamily refused;
    private final LongAdder active = new LongAdder();

    L4Metrics(MetricsRegistry registry) {
        connections = registry.counter("tidegate_l4_connections_total",
                "Connections of tcp and tls-passthrough listeners relayed to an upstream, by listener and cluster.",
                "listener", "cluster");
        received = registry.counter("tidegate_l4_received_bytes_total",
                "Bytes received from clients of tcp and tls-passthrough listeners, by listener and cluster.",
                "listener", "cluster");
        sent = registry.counter("tidegate_l4_sent_bytes_total",
                "Bytes sent to clients of tcp and tls-passthrough listeners, by listener and cluster.",
                "listener", "cluster");
        refused = registry.counter("tidegate_l4_refused_total",
                "Connections of tcp and tls-passthrough listeners closed before reaching an upstream, by listener "
                        + "and reason (no_route is an SNI miss on tls-passthrough).", "listener", "reason");
        registry.gauge("tidegate_l4_connections_active", "Open connections of tcp and tls-passthrough listeners.",
                active::sum);
    }

    void opened() {
        active.increment();
    }

    /** A connection closed; {@code cluster} null when it never reached one. */
    void closed(String listener, String cluster, long bytesReceived, long bytesSent) {
        active.decrement();
        if (cluster != null) {
            received.labels(listener, cluster).add(bytesReceived);
            sent.labels(listener, cluster).add(bytesSent);
        }
    }

    void relayed(String listener, String cluster) {
        connections.labels(listener, cluster).increment();
    }

    void refused(String listener, Refusal reason) {
        refused.labels(listener, reason.label).increment();
    }

    long active() {
        return active.sum();
    }
}
