package io.tidegate.plugins.istio;

import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A DestinationRule {@code connectionPool} (after Istio's subset and port-level merge) as a cluster's
 * timeouts, circuit-breaker limits and upstream protocol.
 *
 * @param connectTimeout {@code tcp.connectTimeout}; null: kernel default
 * @param idleTimeout {@code http.idleTimeout}; null: kernel default
 * @param limits {@code tcp.maxConnections}, {@code http.http1MaxPendingRequests}, {@code http.http2MaxRequests},
 *     {@code http.maxRetries}, {@code http.maxRequestsPerConnection}; unset fields are unlimited (Istio's
 *     default is 2^32-1 for each)
 * @param protocol HTTP/2 for HTTP2/GRPC ports and for {@code h2UpgradePolicy: UPGRADE} on HTTP ports
 * @param tcpIdleTimeout {@code tcp.idleTimeout}: Istio sets it on the TCP proxy, so it is the idle timeout of
 *     the tcp and tls routes to this cluster; null: unset (or {@code 0s}, Istio's "no timeout", which a
 *     TcpRoute cannot say: the kernel default applies, and {@code ignored} says so)
 * @param ignored fields read but not applied, for a warning
 */
record ConnectionPool(Duration connectTimeout, Duration idleTimeout, ConnectionLimits limits,
                      Cluster.UpstreamProtocol protocol, Duration tcpIdleTimeout, List<String> ignored) {

    /** Fields of connectionPool Tidegate has no counterpart for. */
    private static final List<String> IGNORED_TCP = List.of("tcpKeepalive", "maxConnectionDuration");
    private static final List<String> IGNORED_HTTP = List.of("maxConcurrentStreams");

    /**
     * @param pool the effective {@code connectionPool} (may be missing)
     * @param port the protocol of the cluster's port
     */
    static ConnectionPool of(Node pool, IstioProtocol port) {
        Node tcp = pool.get("tcp");
        Node http = pool.get("http");
        ConnectionLimits limits = new ConnectionLimits(
                tcp.get("maxConnections").integer(0, 0, Integer.MAX_VALUE),
                http.get("http1MaxPendingRequests").integer(0, 0, Integer.MAX_VALUE),
                http.get("http2MaxRequests").integer(0, 0, Integer.MAX_VALUE),
                http.get("maxRetries").integer(0, 0, Integer.MAX_VALUE),
                http.get("maxRequestsPerConnection").integer(0, 0, Integer.MAX_VALUE));
        Cluster.UpstreamProtocol protocol = port.isHttp2() ? Cluster.UpstreamProtocol.HTTP2
                : Cluster.UpstreamProtocol.HTTP1;
        String upgrade = http.get("h2UpgradePolicy").string("DEFAULT");
        switch (upgrade) {
            case "UPGRADE" -> {
                // Istio upgrades HTTP ports only; opaque TCP/TLS ports carry no requests to upgrade.
                if (port.isHttp()) {
                    protocol = Cluster.UpstreamProtocol.HTTP2;
                }
            }
            case "DEFAULT", "DO_NOT_UPGRADE" -> { }
            default -> throw http.get("h2UpgradePolicy").error("'" + upgrade
                    + "' (expected: DEFAULT, DO_NOT_UPGRADE or UPGRADE)");
        }
        List<String> ignored = new ArrayList<>();
        IGNORED_TCP.stream().filter(tcp::has).forEach(k -> ignored.add("tcp." + k));
        IGNORED_HTTP.stream().filter(http::has).forEach(k -> ignored.add("http." + k));
        if (http.get("useClientProtocol").bool(false)) {
            ignored.add("http.useClientProtocol"); // the cluster's protocol is used, whatever the client speaks
        }
        Duration tcpIdle = tcp.get("idleTimeout").duration(null);
        if (tcpIdle != null && tcpIdle.isZero()) {
            ignored.add("tcp.idleTimeout: 0s");
            tcpIdle = null;
        }
        return new ConnectionPool(tcp.get("connectTimeout").duration(null), http.get("idleTimeout").duration(null),
                limits, protocol, tcpIdle, List.copyOf(ignored));
    }
}
