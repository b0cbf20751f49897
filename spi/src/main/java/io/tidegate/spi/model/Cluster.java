package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * A named set of upstream endpoints and how to talk to them.
 *
 * <p>Clusters are named by service identity, e.g. {@code httpbin.default.svc.cluster.local:8000} or
 * {@code web.service.consul:80}, so that a route from one source can target endpoints another source
 * discovers. When two sources publish a cluster of the same name, the source listed first in
 * {@code tidegate.yaml} wins and the other is reported.
 *
 * @param name the service identity
 * @param endpoints the instances
 * @param resolution whether endpoint hosts are IPs or names the kernel resolves (and re-resolves)
 * @param protocol what to speak upstream
 * @param loadBalancer endpoint selection
 * @param connectTimeout TCP (and TLS) connect timeout; null: kernel default
 * @param idleTimeout idle pooled connections are closed after this; null: kernel default
 * @param limits circuit breakers and pool limits
 * @param outlierDetection passive health; null: off
 * @param healthCheck active health; null: off
 * @param tls TLS origination; null: plaintext
 * @param provenance the source object
 */
public record Cluster(String name, List<Endpoint> endpoints, Resolution resolution, UpstreamProtocol protocol,
                      LoadBalancer loadBalancer, Duration connectTimeout, Duration idleTimeout,
                      ConnectionLimits limits, OutlierDetection outlierDetection, HealthCheck healthCheck,
                      UpstreamTls tls, Provenance provenance) {

    /** How endpoint addresses are obtained. */
    public enum Resolution {
        /** Endpoint hosts are IP literals. */
        STATIC,
        /** Endpoint hosts are DNS names, resolved asynchronously and re-resolved as their TTL expires. */
        DNS
    }

    /** What the gateway speaks to the endpoints. */
    public enum UpstreamProtocol {
        /** HTTP/1.1 with keep-alive. */
        HTTP1,
        /** HTTP/2 (prior knowledge, or ALPN over TLS); required for gRPC. */
        HTTP2
    }

    public Cluster {
        requireNonNull(name, "name");
        endpoints = List.copyOf(endpoints);
        resolution = resolution == null ? Resolution.STATIC : resolution;
        protocol = protocol == null ? UpstreamProtocol.HTTP1 : protocol;
        loadBalancer = loadBalancer == null ? LoadBalancer.ROUND_ROBIN : loadBalancer;
        limits = limits == null ? ConnectionLimits.UNLIMITED : limits;
        requireNonNull(provenance, "provenance");
    }

    /** A plain HTTP/1.1 round-robin cluster with kernel defaults. */
    public static Cluster of(String name, List<Endpoint> endpoints, Provenance provenance) {
        return new Cluster(name, endpoints, Resolution.STATIC, UpstreamProtocol.HTTP1, LoadBalancer.ROUND_ROBIN,
                null, null, ConnectionLimits.UNLIMITED, null, null, null, provenance);
    }

    /** The same cluster with other endpoints (sources that discover endpoints separately use this). */
    public Cluster withEndpoints(List<Endpoint> newEndpoints) {
        return new Cluster(name, newEndpoints, resolution, protocol, loadBalancer, connectTimeout, idleTimeout, limits,
                outlierDetection, healthCheck, tls, provenance);
    }
}
