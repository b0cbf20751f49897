package io.tidegate.plugins.file;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.TcpRoute;
import io.tidegate.spi.model.WeightedCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads one item of a file's {@code tcpRoutes:} list into a {@link TcpRoute}: the connections of
 * {@code tcp} and {@code tls-passthrough} listeners, by SNI name for passthrough (docs/source-file.md).
 */
final class TcpRouteParser {

    private static final String[] KEYS = {"name", "listeners", "sniHosts", "forward", "idleTimeout"};

    private final Map<String, ListenerProtocol> listeners;

    /** @param listeners the gateway's listeners by name: a TCP route may only name tcp and tls-passthrough ones */
    TcpRouteParser(Map<String, ListenerProtocol> listeners) {
        this.listeners = Map.copyOf(requireNonNull(listeners, "listeners"));
    }

    /** @throws io.tidegate.spi.config.ConfigException naming the first problem */
    TcpRoute parse(ConfigNode node, Provenance provenance) {
        node.requireOnlyKeys(KEYS);
        String name = Syntax.name(node.get("name"));
        Set<String> on = listeners(node.getOrNull("listeners"));
        List<String> sni = new ArrayList<>();
        ConfigNode hosts = node.getOrNull("sniHosts");
        for (ConfigNode host : hosts.isScalar() ? List.of(hosts) : hosts.items()) {
            String pattern = Syntax.hostPattern(host);
            if (pattern.startsWith("[")) {
                throw host.error("\"" + host.asString() + "\" (expected: a DNS name; SNI never carries an IP address)");
            }
            if (!sni.contains(pattern)) {
                sni.add(pattern);
            }
        }
        if (!node.has("forward")) {
            throw node.getOrNull("forward").error("is required (expected: a cluster name or a list of {cluster, weight})");
        }
        List<WeightedCluster> clusters = forward(node.get("forward"));
        Duration idle = node.duration("idleTimeout", null);
        if (idle != null && (idle.isZero() || idle.isNegative())) {
            throw node.get("idleTimeout").error("'" + node.string("idleTimeout") + "' (expected: a duration > 0, e.g. 30m)");
        }
        return new TcpRoute(name, on, sni, clusters, idle, provenance);
    }

    /** {@code forward: backend} or {@code forward: [backend, {cluster: b, weight: 10}]}. */
    private static List<WeightedCluster> forward(ConfigNode node) {
        if (node.isScalar()) {
            return List.of(WeightedCluster.of(Syntax.name(node), 1));
        }
        List<ConfigNode> items = node.items();
        if (items.isEmpty()) {
            throw node.error("is empty (expected: a cluster name or a list of {cluster, weight})");
        }
        List<WeightedCluster> out = new ArrayList<>();
        long total = 0;
        for (ConfigNode item : items) {
            WeightedCluster c;
            if (item.isScalar()) {
                c = WeightedCluster.of(Syntax.name(item), 1);
            } else {
                item.requireOnlyKeys("cluster", "weight");
                c = WeightedCluster.of(Syntax.name(item.get("cluster")),
                        item.find("weight").map(w -> w.asInt(0, 1_000_000)).orElse(1));
            }
            total += c.weight();
            out.add(c);
        }
        if (total == 0) {
            throw node.error("every weight is 0 (expected: at least one weight >= 1)");
        }
        return out;
    }

    private Set<String> listeners(ConfigNode node) {
        Set<String> names = new LinkedHashSet<>();
        for (ConfigNode item : node.isScalar() ? List.of(node) : node.items()) {
            String name = item.asString();
            ListenerProtocol protocol = listeners.get(name);
            if (protocol == null) {
                throw item.error("\"" + name + "\" is not a listener in tidegate.yaml (expected one of: "
                        + String.join(", ", l4Listeners()) + ")");
            }
            if (protocol != ListenerProtocol.TCP && protocol != ListenerProtocol.TLS_PASSTHROUGH) {
                throw item.error("\"" + name + "\" is a " + protocol.name().toLowerCase(java.util.Locale.ROOT)
                        + " listener (expected: a tcp or tls-passthrough listener; HTTP traffic goes in routes:)");
            }
            names.add(name);
        }
        return names;
    }

    private Set<String> l4Listeners() {
        Set<String> out = new TreeSet<>();
        listeners.forEach((name, protocol) -> {
            if (protocol == ListenerProtocol.TCP || protocol == ListenerProtocol.TLS_PASSTHROUGH) {
                out.add(name);
            }
        });
        return out;
    }
}
