package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * One upstream instance.
 *
 * @param address IP (or DNS name for {@link Cluster.Resolution#DNS} clusters) and port
 * @param weight relative weight for weighted balancing, >= 1
 * @param labels labels for subsets (pod labels, Consul tags and meta, ServiceEntry endpoint labels)
 * @param health the source's view of its health
 */
public record Endpoint(SocketAddress address, int weight, Map<String, String> labels, HealthStatus health) {

    public Endpoint {
        requireNonNull(address, "address");
        if (weight < 1) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: >= 1)");
        }
        labels = Map.copyOf(labels);
        health = health == null ? HealthStatus.UNKNOWN : health;
    }

    /** A healthy endpoint of weight 1 without labels. */
    public static Endpoint of(String host, int port) {
        return new Endpoint(new SocketAddress(host, port), 1, Map.of(), HealthStatus.HEALTHY);
    }
}
