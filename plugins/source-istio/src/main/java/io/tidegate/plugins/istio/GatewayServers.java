package io.tidegate.plugins.istio;

import static io.tidegate.plugins.istio.IstioObjects.ns;
import static io.tidegate.plugins.istio.IstioObjects.spec;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Listener;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.RouteMatch;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Gateway objects whose {@code selector} matches this gateway's labels, as the servers VirtualServices bind:
 * each server's port mapped to tidegate.yaml listeners of a fitting protocol, its kind from protocol and
 * {@code tls.mode}, its certificate ({@link GatewayCertificates}) and {@code httpsRedirect} route. Follows
 * Istio's <a href="https://istio.io/latest/docs/reference/config/networking/gateway/">Gateway reference</a>.
 */
final class GatewayServers {

    private final Map<String, String> gatewayLabels;
    private final PortListeners ports;

    /**
     * @param gatewayLabels the labels this Tidegate has, matched by Gateway {@code selector}s
     * @param ports the listeners of tidegate.yaml by port
     */
    GatewayServers(Map<String, String> gatewayLabels, PortListeners ports) {
        this.gatewayLabels = Map.copyOf(gatewayLabels);
        this.ports = ports;
    }

    /** The servers of one Gateway, under {@code namespace/name}, when its selector matches this gateway. */
    void translate(Translation run, GenericKubernetesResource gw) {
        Node spec = spec(gw);
        Provenance where = run.prov(gw);
        Map<String, String> selector = spec.get("selector").stringMap();
        if (!gatewayLabels.entrySet().containsAll(selector.entrySet())) {
            run.diagnostics.add(new Diagnostic(Diagnostic.Severity.INFO, where, "spec.selector", "selector "
                    + selector + " does not match this gateway's labels " + new TreeMap<>(gatewayLabels)
                    + "; not served"));
            return;
        }
        String key = ns(gw) + "/" + gw.getMetadata().getName();
        List<GatewayServer> servers = new ArrayList<>();
        for (Node server : spec.get("servers").items()) {
            try {
                GatewayServer s = server(run, gw, server, where);
                if (s != null) {
                    servers.add(s);
                }
            } catch (Node.Invalid e) {
                run.diagnostics.add(Diagnostic.error(where, e.field, e.getMessage() + "; server rejected"));
            }
        }
        run.servers.put(key, servers);
    }

    private GatewayServer server(Translation run, GenericKubernetesResource gw, Node server, Provenance where) {
        int port = server.get("port").get("number").integer(0, 1, 65535);
        if (port == 0) {
            throw server.get("port").get("number").error("is required but missing");
        }
        Node protocolNode = server.get("port").get("protocol");
        IstioProtocol protocol = IstioProtocol.parse(protocolNode.string("HTTP"));
        if (protocol == null || protocol == IstioProtocol.UDP) {
            throw protocolNode.error("'" + protocolNode.string() + "' (expected: HTTP, HTTPS, HTTP2, GRPC, GRPC-WEB,"
                    + " TCP, TLS, MONGO, MYSQL or REDIS)");
        }
        List<String> hosts = server.get("hosts").strings();
        if (hosts.isEmpty()) {
            throw server.get("hosts").error("is empty (expected: at least one host)");
        }
        for (int i = 0; i < hosts.size(); i++) {
            String h = hosts.get(i);
            String host = h.contains("/") ? h.substring(h.indexOf('/') + 1) : h;
            if (host.isEmpty()) {
                throw server.get("hosts").items().get(i).error("'" + h + "' (expected: [namespace/]host)");
            }
        }
        Node tls = server.get("tls");
        String mode = tls.get("mode").string(null);
        GatewayServer.Kind kind = serverKind(run, server, protocol, mode, where);
        if (kind == null) {
            return null;
        }
        List<String> names = ports.forPort(port);
        if (names.isEmpty()) {
            run.diagnostics.add(Diagnostic.warning(where, server.path() + ".port", "no listener of tidegate.yaml"
                    + " serves port " + port + " (map it with listenerPorts); server not served"));
            return null;
        }
        boolean https = kind == GatewayServer.Kind.HTTP && (protocol == IstioProtocol.HTTPS || mode != null);
        List<String> bound = new ArrayList<>();
        for (String n : names) {
            Listener l = ports.named(n);
            if (l == null) {
                throw server.get("port").error("listenerPorts maps port " + port + " to '" + n
                        + "', which tidegate.yaml does not define");
            }
            if (!kind.listenerProtocols.contains(l.protocol())) {
                run.diagnostics.add(Diagnostic.warning(where, server.path() + ".port.protocol", "port " + port
                        + " is " + protocol.label() + (mode == null ? "" : " (tls.mode " + mode + ")") + " but listener "
                        + n + " is " + PortListeners.protocolName(l.protocol()) + " (expected: "
                        + kind.listenerProtocols.stream()
                        .map(PortListeners::protocolName).sorted().toList() + "); not bound there"));
                continue;
            }
            if (https && l.protocol() != ListenerProtocol.HTTPS) {
                run.diagnostics.add(Diagnostic.warning(where, server.path() + ".tls", "port " + port
                        + " is HTTPS but listener " + n + " is " + PortListeners.protocolName(l.protocol())
                        + "; TLS is not terminated there"));
            }
            bound.add(n);
        }
        if (bound.isEmpty()) {
            return null;
        }
        names = bound;
        if (https) {
            GatewayCertificates.add(run, gw, server, mode, hosts, where);
        }
        if (kind == GatewayServer.Kind.HTTP && tls.get("httpsRedirect").bool(false)) {
            List<String> routeHosts = hosts.stream().map(IstioHosts::bareHost).filter(h -> !h.equals("*"))
                    .distinct().toList();
            String name = ns(gw) + "/" + gw.getMetadata().getName() + "/" + server.path() + "/https-redirect";
            run.redirects.add(Route.builder(name, where.withRule(server.path() + ".tls.httpsRedirect"))
                    .listeners(Set.copyOf(names))
                    .match(RouteMatch.hostsAndPath(routeHosts, null))
                    .action(new RouteAction.Redirect("https", null, 0, null, null, 301, false)).build());
        }
        return new GatewayServer(ns(gw) + "/" + gw.getMetadata().getName(), hosts, new LinkedHashSet<>(names), port, kind,
                where.withRule(server.path()));
    }

    /**
     * The kind of a server from its protocol and TLS mode, as Istio's gateway builds listeners: TLS (and
     * HTTPS) with PASSTHROUGH forwards the TLS bytes by SNI; TLS with a terminating mode would be TLS in
     * front of tcp routes, which no Tidegate listener does (null, with a warning).
     */
    private static GatewayServer.Kind serverKind(Translation run, Node server, IstioProtocol protocol, String mode,
                                                 Provenance where) {
        boolean passthrough = "PASSTHROUGH".equals(mode) || "AUTO_PASSTHROUGH".equals(mode);
        if (passthrough && (protocol == IstioProtocol.TLS || protocol == IstioProtocol.HTTPS)) {
            return "PASSTHROUGH".equals(mode) ? GatewayServer.Kind.TLS : GatewayServer.Kind.AUTO_PASSTHROUGH;
        }
        if (passthrough) {
            throw server.get("tls").get("mode").error(mode + " needs protocol TLS or HTTPS (got "
                    + protocol.label() + ")");
        }
        if (protocol == IstioProtocol.TLS) {
            if (mode == null) {
                throw server.get("tls").error("is required for protocol TLS (expected: tls.mode PASSTHROUGH)");
            }
            run.diagnostics.add(Diagnostic.warning(where, server.path() + ".tls.mode", "protocol TLS with tls.mode "
                    + mode + " terminates TLS in front of tcp routes, which no Tidegate listener does (tcp"
                    + " listeners do not terminate TLS; use PASSTHROUGH, or HTTPS for HTTP); server not served"));
            return null;
        }
        return protocol.isTcp() ? GatewayServer.Kind.TCP : GatewayServer.Kind.HTTP;
    }
}
