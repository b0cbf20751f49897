package io.tidegate.kernel.runtime;

import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.routing.SniIndex;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.TcpRoute;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles the sources' {@link TcpRoute}s into an {@link L4Table} per {@code tcp} and {@code tls-passthrough}
 * listener. The rules follow those of HTTP routes: a route naming an unknown or non-L4 listener, with a bad
 * SNI pattern or a bad idle timeout is left out alone and reported on the field; a route to a cluster no
 * source defines stays (connections sent there are closed) and is reported as an error, because leaving it
 * out would hand its connections to whatever route comes next.
 */
final class L4Compiler {

    private final Map<String, GatewayConfig.ListenerConfig> listeners = new LinkedHashMap<>();

    L4Compiler(List<GatewayConfig.ListenerConfig> all) {
        all.forEach(l -> listeners.put(l.name(), l));
    }

    L4Routes compile(List<ConfigCompiler.SourceFragment> fragments, Map<String, ClusterRuntime> clusters,
                     Map<String, Set<Diagnostic>> diagnostics) {
        List<GatewayConfig.ListenerConfig> layer4 = listeners.values().stream()
                .filter(GatewayConfig.ListenerConfig::isLayer4).toList();
        // Accepted routes with the listeners they bind to, in precedence order.
        Map<TcpRoute, List<GatewayConfig.ListenerConfig>> accepted = new LinkedHashMap<>();
        for (ConfigCompiler.SourceFragment f : fragments) {
            Set<Diagnostic> diags = diagnostics.get(f.source());
            for (TcpRoute route : f.fragment().tcpRoutes()) {
                List<GatewayConfig.ListenerConfig> on = bind(route, layer4, diags);
                if (on != null && valid(route, on, diags)) {
                    accepted.put(route, on);
                    reportUndefinedClusters(route, on, clusters, diags);
                }
            }
        }
        Map<String, L4Table> tables = new LinkedHashMap<>();
        Map<TcpRoute, CompiledTcpRoute> served = new IdentityHashMap<>();
        for (GatewayConfig.ListenerConfig listener : layer4) {
            List<CompiledTcpRoute> mine = new ArrayList<>();
            accepted.forEach((route, on) -> {
                if (on.contains(listener)) {
                    // One compiled route per listener idle default; usually every listener shares the default.
                    CompiledTcpRoute c = compile(route, clusters, listener.l4().idleTimeout());
                    mine.add(c);
                    served.putIfAbsent(route, c);
                }
            });
            tables.put(listener.name(), new L4Table(mine));
        }
        List<CompiledTcpRoute> inOrder = new ArrayList<>();
        accepted.keySet().forEach(route -> {
            CompiledTcpRoute c = served.get(route);
            if (c != null) {
                inOrder.add(c);
            }
        });
        return new L4Routes(tables, inOrder);
    }

    /** The listeners {@code route} binds to, or null (reported) when it names one that is not L4. */
    private List<GatewayConfig.ListenerConfig> bind(TcpRoute route, List<GatewayConfig.ListenerConfig> layer4,
                                                   Set<Diagnostic> diags) {
        if (route.listeners().isEmpty()) {
            return layer4;
        }
        List<GatewayConfig.ListenerConfig> on = new ArrayList<>();
        for (String name : new java.util.TreeSet<>(route.listeners())) {
            GatewayConfig.ListenerConfig l = listeners.get(name);
            if (l == null || !l.isLayer4()) {
                String why = l == null ? "no listener named '" + name + "' in tidegate.yaml"
                        : "listener '" + name + "' is " + protocol(l) + ", not tcp or tls-passthrough";
                diags.add(Diagnostic.error(route.provenance(), "listeners", why + " (expected one of: "
                        + String.join(", ", layer4.stream().map(GatewayConfig.ListenerConfig::name).toList())
                        + "); tcp route '" + route.name() + "' rejected"));
                return null;
            }
            on.add(l);
        }
        return on;
    }

    private static boolean valid(TcpRoute route, List<GatewayConfig.ListenerConfig> on, Set<Diagnostic> diags) {
        for (int i = 0; i < route.sniHosts().size(); i++) {
            String problem = SniIndex.problem(route.sniHosts().get(i));
            if (problem != null) {
                diags.add(Diagnostic.error(route.provenance(), "sniHosts[" + i + "]", problem + "; tcp route '"
                        + route.name() + "' rejected"));
                return false;
            }
        }
        Duration idle = route.idleTimeout();
        if (idle != null && (idle.isZero() || idle.isNegative())) {
            diags.add(Diagnostic.error(route.provenance(), "idleTimeout", idle + " (expected: > 0); tcp route '"
                    + route.name() + "' rejected"));
            return false;
        }
        if (!route.sniHosts().isEmpty() && !route.listeners().isEmpty()) {
            for (GatewayConfig.ListenerConfig l : on) {
                if (l.listener().protocol() == ListenerProtocol.TCP) {
                    diags.add(Diagnostic.warning(route.provenance(), "sniHosts", "listener '" + l.name()
                            + "' is tcp: it reads no SNI, so tcp route '" + route.name() + "' never matches there"));
                }
            }
        }
        return true;
    }

    private static void reportUndefinedClusters(TcpRoute route, List<GatewayConfig.ListenerConfig> on,
                                                Map<String, ClusterRuntime> clusters, Set<Diagnostic> diags) {
        for (int i = 0; i < route.clusters().size(); i++) {
            String name = route.clusters().get(i).cluster();
            ClusterRuntime cluster = clusters.get(name);
            if (cluster == null) {
                diags.add(Diagnostic.error(route.provenance(), "clusters[" + i + "].cluster", "cluster '" + name
                        + "' is not defined by any source; connections sent there are closed"));
            } else if (cluster.tls() != null) {
                // tcp listeners originate the cluster's TLS; a passthrough listener relays the client's own
                for (GatewayConfig.ListenerConfig l : on) {
                    if (l.listener().protocol() == ListenerProtocol.TLS_PASSTHROUGH) {
                        diags.add(Diagnostic.warning(route.provenance(), "clusters[" + i + "].cluster", "cluster '"
                                + name + "' has upstream tls, which tls-passthrough listener '" + l.name()
                                + "' does not originate (it relays the client's own TLS): bytes are relayed as"
                                + " they come"));
                    }
                }
            }
        }
    }

    private static CompiledTcpRoute compile(TcpRoute route, Map<String, ClusterRuntime> clusters,
                                            Duration listenerIdle) {
        ClusterRuntime[] targets = new ClusterRuntime[route.clusters().size()];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = clusters.get(route.clusters().get(i).cluster());
        }
        Duration idle = route.idleTimeout() != null ? route.idleTimeout() : listenerIdle;
        return new CompiledTcpRoute(route, targets, idle.toNanos());
    }

    private static String protocol(GatewayConfig.ListenerConfig l) {
        return l.listener().protocol().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
