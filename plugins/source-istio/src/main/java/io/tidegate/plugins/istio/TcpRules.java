package io.tidegate.plugins.istio;

import static io.tidegate.plugins.istio.IstioHosts.admits;
import static io.tidegate.plugins.istio.IstioHosts.bareHost;
import static io.tidegate.plugins.istio.IstioHosts.hostMatches;

import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.TcpRoute;
import io.tidegate.spi.model.WeightedCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * VirtualService {@code tcp} and {@code tls} rules, and {@code AUTO_PASSTHROUGH} Gateway servers, as
 * {@link TcpRoute}s: one per match, in list order (first match wins, as for http). A tls match needs
 * {@code sniHosts}, each within the VirtualService's hosts (as Istio validates); on a Gateway server the
 * route's SNI names are those the server's hosts admit.
 */
final class TcpRules {

    /**
     * Where a translation collects what these rules give.
     *
     * @param diagnostics the translation's diagnostics
     * @param routes the fragment's tcp routes, in order
     * @param idleTimeouts each cluster's DestinationRule {@code tcp.idleTimeout}, where one is set
     */
    record Out(Collection<Diagnostic> diagnostics, List<TcpRoute> routes, Map<String, Duration> idleTimeouts) {
    }

    private final PortListeners ports;

    TcpRules(PortListeners ports) {
        this.ports = ports;
    }

    /**
     * One {@code tcp[i]} or {@code tls[i]} rule of a VirtualService.
     *
     * @param object {@code namespace/name} of the VirtualService
     * @param where the VirtualService's provenance
     * @param bound the servers each of its gateway references binds
     * @param vsHosts its hosts, qualified
     * @param destinations resolves the rule's destinations as http rules' are
     */
    void rule(String object, Provenance where, GatewayServer.Kind kind, Node rule,
              Map<String, List<GatewayServer>> bound, List<String> vsHosts, RouteDestinations.Resolver destinations,
              Out out) {
        Provenance at = where.withRule(rule.path());
        String base = object + "/" + rule.path().substring("spec.".length());
        if (rule.get("route").items().isEmpty()) {
            throw rule.get("route").error("is empty (expected: at least one destination)");
        }
        List<Diagnostic> notes = new ArrayList<>();
        RouteDestinations d = destinations.resolve(rule, at, notes, "the rule is not served");
        if (d.toSelf()) {
            out.diagnostics().add(new Diagnostic(Diagnostic.Severity.INFO, at, rule.path() + ".route",
                    "the destination is this gateway (selfHosts): the mesh hop to it is implicit; rule skipped"));
            return;
        }
        out.diagnostics().addAll(notes);
        if (d.unresolved() || d.clusters().isEmpty()) {
            return; // reported: no partial weights, and no bytes to a wrong place
        }
        boolean tls = kind == GatewayServer.Kind.TLS;
        // The longest tcp.idleTimeout of the destinations' DestinationRules: no tunnel closes before its own asks.
        Duration idle = d.clusters().stream().map(c -> out.idleTimeouts().get(c.cluster())).filter(Objects::nonNull)
                .max(Comparator.naturalOrder()).orElse(null);
        List<Node> matches = rule.get("match").items();
        if (matches.isEmpty()) {
            if (tls) {
                throw rule.get("match").error("is required: a tls rule matches by sniHosts");
            }
            matches = List.of(new Node(Map.of(), rule.path() + ".match[0]"));
        }
        int emitted = 0;
        boolean rejected = false;
        String vsNs = object.substring(0, object.indexOf('/'));
        for (int j = 0; j < matches.size(); j++) {
            Node m = matches.get(j);
            try {
                GatewayServer.rejectWorkloadMatches(m);
                if (m.has("destinationSubnets")) {
                    throw m.get("destinationSubnets").error("destinationSubnets select the original destination"
                            + " address, which a gateway does not have");
                }
                List<String> sni = tls ? sniHosts(m, vsHosts) : List.of();
                // Servers on different listeners may admit different SNI names: one route per distinct set.
                Map<List<String>, Set<String>> byNames = new LinkedHashMap<>();
                for (GatewayServer s : GatewayServer.keptBy(m, bound, kind)) {
                    Set<String> ls = ports.onPort(m, s.listeners());
                    List<String> names = tls ? admittedNames(sni, s, vsNs) : List.of();
                    if (!ls.isEmpty() && (!tls || !names.isEmpty())) {
                        byNames.computeIfAbsent(names, x -> new LinkedHashSet<>()).addAll(ls);
                    }
                }
                String name = matches.size() == 1 && !rule.has("match") ? base : base + "/match[" + j + "]";
                int k = 0;
                for (var e : byNames.entrySet()) {
                    String n = byNames.size() == 1 ? name : name + "/" + k++;
                    out.routes().add(new TcpRoute(n, e.getValue(), e.getKey(), d.clusters(), idle, at));
                    emitted++;
                }
            } catch (Node.Invalid e) {
                rejected = true;
                out.diagnostics().add(Diagnostic.error(at, e.field, e.getMessage() + "; match rejected"));
            }
        }
        if (emitted == 0 && !rejected) {
            String listener = PortListeners.protocolName(kind.listenerProtocols.iterator().next());
            out.diagnostics().add(new Diagnostic(Diagnostic.Severity.INFO, at, rule.path(), "no "
                    + (tls ? "TLS PASSTHROUGH" : "TCP") + " server of the bound gateways (nor, for mesh, an egress "
                    + listener + " listener) serves this rule" + (tls ? " and its sniHosts" : "") + "; not served"));
        }
    }

    /** A tls match's {@code sniHosts}: required, each a subset of a VirtualService host (Istio's validation). */
    private static List<String> sniHosts(Node m, List<String> vsHosts) {
        List<Node> items = m.get("sniHosts").items();
        if (items.isEmpty()) {
            throw m.get("sniHosts").error("is required for a tls match (expected: at least one SNI host)");
        }
        List<String> out = new ArrayList<>();
        for (Node item : items) {
            String sni = item.string().toLowerCase(Locale.ROOT);
            if (vsHosts.stream().noneMatch(h -> hostMatches(h, sni))) {
                throw item.error("'" + sni + "' is not within the VirtualService hosts " + vsHosts);
            }
            out.add(sni);
        }
        return out;
    }

    /** The SNI names of a match a server admits: the narrower of each SNI host and server host that overlap. */
    private static List<String> admittedNames(List<String> sni, GatewayServer s, String vsNs) {
        String gwNs = s.gateway().contains("/") ? s.gateway().substring(0, s.gateway().indexOf('/')) : vsNs;
        Set<String> out = new LinkedHashSet<>();
        for (String name : sni) {
            for (String sh : s.hosts()) {
                if (!admits(sh, name, vsNs, gwNs)) {
                    continue;
                }
                String pattern = bareHost(sh);
                out.add(hostMatches(pattern, name) ? name : pattern);
            }
        }
        return List.copyOf(out);
    }

    /**
     * Servers in {@code AUTO_PASSTHROUGH} mode route TLS by the SNI name Istio's sidecars send across
     * networks, {@code outbound_.<port>_.<subset>_.<host>} (subset empty: {@code _}), straight to that
     * cluster with no VirtualService. Tidegate serves it for the clusters this source publishes (ServiceEntry
     * and, with {@code kubernetesServices}, Kubernetes Service hosts) whose host a server host admits.
     */
    void autoPassthrough(Map<String, List<GatewayServer>> servers, Collection<Cluster> clusters, Out out) {
        servers.forEach((gateway, list) -> {
            for (GatewayServer s : list) {
                if (s.kind() != GatewayServer.Kind.AUTO_PASSTHROUGH) {
                    continue;
                }
                for (Cluster c : clusters) {
                    String[] parts = clusterParts(c.name());
                    String host = parts[0];
                    if (host.startsWith("*") || s.hosts().stream().noneMatch(h -> hostMatches(bareHost(h), host))) {
                        continue;
                    }
                    String sni = "outbound_." + parts[1] + "_." + (parts[2] == null ? "" : parts[2]) + "_." + host;
                    out.routes().add(new TcpRoute(gateway + "/auto-passthrough/" + sni, s.listeners(), List.of(sni),
                            List.of(WeightedCluster.of(c.name(), 1)), out.idleTimeouts().get(c.name()),
                            s.provenance()));
                }
            }
        });
    }

    /** {@code host:port[/subset]} as {host, port, subset or null}. */
    private static String[] clusterParts(String name) {
        int slash = name.indexOf('/');
        String hostPort = slash < 0 ? name : name.substring(0, slash);
        int colon = hostPort.lastIndexOf(':');
        return new String[] {hostPort.substring(0, colon), hostPort.substring(colon + 1),
                slash < 0 ? null : name.substring(slash + 1)};
    }
}
