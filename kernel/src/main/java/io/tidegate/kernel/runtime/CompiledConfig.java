package io.tidegate.kernel.runtime;

import io.tidegate.kernel.routing.RouteTable;
import io.tidegate.kernel.tls.SniMap;
import io.tidegate.spi.policy.Policy;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One immutable generation of the gateway's configuration: a routing table per listener and the
 * clusters. The engine reads the current generation once per request and keeps it to the end, so a
 * swap never changes a request midway.
 *
 * @param version increases by one per swap
 * @param compiledAt when it was compiled
 * @param tables routing table per HTTP listener name
 * @param clusters clusters by name
 * @param routes every compiled route, in precedence order (for admin and CLI)
 * @param connectionPolicies per listener, the global policies asked about each new connection
 * @param certificates per {@code https} listener, the certificates by SNI name (read at each handshake)
 * @param l4 the TCP routes of the {@code tcp} and {@code tls-passthrough} listeners
 */
public record CompiledConfig(long version, Instant compiledAt, Map<String, RouteTable<CompiledRoute>> tables,
                             Map<String, ClusterRuntime> clusters, List<CompiledRoute> routes,
                             Map<String, List<Policy>> connectionPolicies, Map<String, SniMap> certificates,
                             L4Routes l4) {

    /** Before the first swap: nothing routes. */
    public static final CompiledConfig EMPTY = new CompiledConfig(0, Instant.EPOCH, Map.of(), Map.of(), List.of(),
            Map.of());

    public CompiledConfig {
        tables = Map.copyOf(tables);
        clusters = Map.copyOf(clusters);
        routes = List.copyOf(routes);
        connectionPolicies = Map.copyOf(connectionPolicies);
        certificates = Map.copyOf(certificates);
        l4 = l4 == null ? L4Routes.NONE : l4;
    }

    /** A generation without L4 listeners. */
    public CompiledConfig(long version, Instant compiledAt, Map<String, RouteTable<CompiledRoute>> tables,
                          Map<String, ClusterRuntime> clusters, List<CompiledRoute> routes,
                          Map<String, List<Policy>> connectionPolicies, Map<String, SniMap> certificates) {
        this(version, compiledAt, tables, clusters, routes, connectionPolicies, certificates, L4Routes.NONE);
    }

    /** The TCP routes of a {@code tcp} or {@code tls-passthrough} listener; empty for the others. */
    public L4Table l4Table(String listener) {
        return l4.table(listener);
    }

    /** A generation without TLS listeners. */
    public CompiledConfig(long version, Instant compiledAt, Map<String, RouteTable<CompiledRoute>> tables,
                          Map<String, ClusterRuntime> clusters, List<CompiledRoute> routes,
                          Map<String, List<Policy>> connectionPolicies) {
        this(version, compiledAt, tables, clusters, routes, connectionPolicies, Map.of());
    }

    /** The certificates of an {@code https} listener; null for the others and before the first swap. */
    public SniMap certificates(String listener) {
        return certificates.get(listener);
    }

    /** The policies bound to {@code listener}, asked on every new connection; empty when none. */
    public List<Policy> connectionPolicies(String listener) {
        return connectionPolicies.getOrDefault(listener, List.of());
    }

    /** The table of {@code listener}; an empty table when it has none. */
    public RouteTable<CompiledRoute> table(String listener) {
        RouteTable<CompiledRoute> table = tables.get(listener);
        return table != null ? table : RouteTable.empty();
    }
}
