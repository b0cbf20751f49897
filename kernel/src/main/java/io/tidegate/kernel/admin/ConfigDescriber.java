package io.tidegate.kernel.admin;

import io.tidegate.kernel.reconcile.SourceStatus;
import io.tidegate.kernel.runtime.ClusterRuntime;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.runtime.CompiledRoute;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.HeaderMatch;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.QueryMatch;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.RouteMatch;
import io.tidegate.spi.model.WeightedCluster;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders the compiled table and source states for humans and tools: JSON-ready maps for the admin
 * API, one line per route for {@code tidegate routes}. Secrets (certificate keys) never appear.
 */
public final class ConfigDescriber {

    private ConfigDescriber() {
    }

    public static Map<String, Object> describe(CompiledConfig config, List<String> listenerNames) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", config.version());
        out.put("compiledAt", config.compiledAt().toString());
        Map<String, Object> listeners = new LinkedHashMap<>();
        for (String name : listenerNames) {
            List<Object> routes = new ArrayList<>();
            config.table(name).routes().forEach(r -> routes.add(route(r)));
            config.l4Table(name).routes().forEach(r -> routes.add(tcpRoute(r))); // an L4 listener has only these
            listeners.put(name, routes);
        }
        out.put("listeners", listeners);
        Map<String, Object> clusters = new TreeMap<>();
        config.clusters().forEach((name, c) -> clusters.put(name, cluster(c)));
        out.put("clusters", clusters);
        if (!config.certificates().isEmpty()) {
            Map<String, Object> certificates = new TreeMap<>();
            config.certificates().forEach((name, sni) -> certificates.put(name, certificates(sni)));
            out.put("certificates", certificates);
        }
        return out;
    }

    /** Which certificate (by name) each SNI name gets, and the default; never the PEM or the key. */
    static Map<String, Object> certificates(io.tidegate.kernel.tls.SniMap sni) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("default", sni.defaultContext() == null ? null : sni.defaultContext().name());
        Map<String, Object> names = new TreeMap<>();
        sni.exact().forEach((host, e) -> names.put(host, e.name()));
        sni.wildcards().forEach((suffix, e) -> names.put("*" + suffix, e.name()));
        out.put("serverNames", names);
        return out;
    }

    static Map<String, Object> route(CompiledRoute compiled) {
        Route r = compiled.route();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", r.name());
        out.put("provenance", r.provenance().toString());
        out.put("match", matchText(r.match()));
        out.put("action", actionText(r.action()));
        List<String> policies = new ArrayList<>();
        r.policies().forEach(p -> policies.add(p.id()));
        out.put("policies", policies);
        if (!r.metadata().isEmpty()) {
            out.put("metadata", new TreeMap<>(r.metadata()));
        }
        return out;
    }

    /** A TCP route of a {@code tcp} or {@code tls-passthrough} listener. */
    static Map<String, Object> tcpRoute(io.tidegate.kernel.runtime.CompiledTcpRoute compiled) {
        io.tidegate.spi.model.TcpRoute r = compiled.route();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", r.name());
        out.put("kind", "tcp");
        out.put("provenance", r.provenance().toString());
        out.put("sniHosts", r.sniHosts());
        out.put("action", tcpActionText(r));
        out.put("idleTimeout", java.time.Duration.ofNanos(compiled.idleTimeoutNanos()).toString());
        return out;
    }

    /** One line for {@code tidegate routes}: name, SNI names, clusters, provenance. */
    public static String tcpRouteLine(io.tidegate.kernel.runtime.CompiledTcpRoute compiled) {
        io.tidegate.spi.model.TcpRoute r = compiled.route();
        return String.format("%-24s %-48s -> %-40s [%s]", r.name(),
                "tcp sni=" + (r.sniHosts().isEmpty() ? "any (or none)" : String.join(",", r.sniHosts())),
                tcpActionText(r), r.provenance());
    }

    static String tcpActionText(io.tidegate.spi.model.TcpRoute r) {
        return r.clusters().size() == 1 ? "relay " + r.clusters().get(0).cluster() : "relay " + String.join(", ",
                r.clusters().stream().map(c -> c.cluster() + "=" + c.weight()).toList());
    }

    static Map<String, Object> cluster(ClusterRuntime c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("provenance", c.spec().provenance().toString());
        out.put("balancer", c.spec().loadBalancer().policy().name().toLowerCase().replace('_', '-'));
        out.put("healthyEndpoints", c.healthyEndpoints());
        List<Object> endpoints = new ArrayList<>();
        for (Endpoint e : c.spec().endpoints()) {
            Map<String, Object> ep = new LinkedHashMap<>();
            ep.put("address", e.address().toString());
            ep.put("weight", e.weight());
            ep.put("health", e.health().name().toLowerCase());
            if (!e.labels().isEmpty()) {
                ep.put("labels", new TreeMap<>(e.labels()));
            }
            endpoints.add(ep);
        }
        out.put("endpoints", endpoints);
        if (c.spec().tls() != null) {
            io.tidegate.spi.model.UpstreamTls tls = c.spec().tls();
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("sni", tls.sni());
            t.put("verify", tls.verify());
            t.put("ca", tls.caPem() != null ? "custom" : "system");
            t.put("clientCertificate", tls.clientCertificatePem() != null);
            out.put("tls", t);
        }
        return out;
    }

    public static List<Object> sources(List<SourceStatus> statuses) {
        List<Object> out = new ArrayList<>();
        for (SourceStatus s : statuses) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("plugin", s.plugin());
            m.put("version", s.version());
            m.put("lastAccepted", s.lastAccepted() == null ? null : s.lastAccepted().toString());
            m.put("routes", s.routes());
            m.put("clusters", s.clusters());
            m.put("lastError", s.lastError());
            List<Object> diags = new ArrayList<>();
            s.diagnostics().forEach(d -> {
                Map<String, Object> dm = new LinkedHashMap<>();
                dm.put("severity", d.severity().name().toLowerCase());
                dm.put("object", d.object().toString());
                dm.put("field", d.field());
                dm.put("message", d.message());
                diags.add(dm);
            });
            m.put("diagnostics", diags);
            out.add(m);
        }
        return out;
    }

    /** One line: name, match, action, provenance. */
    public static String routeLine(CompiledRoute compiled) {
        Route r = compiled.route();
        return String.format("%-24s %-48s -> %-40s [%s]", r.name(), matchText(r.match()), actionText(r.action()),
                r.provenance());
    }

    public static String matchText(RouteMatch m) {
        StringBuilder b = new StringBuilder();
        b.append(m.hosts().isEmpty() ? "*" : String.join(",", m.hosts()));
        PathMatch p = m.path();
        if (p == null) {
            b.append(" /*");
        } else {
            String kind = switch (p.kind()) {
                case EXACT -> "=";
                case PREFIX -> "^";
                case SEGMENT_PREFIX -> "";
                case REGEX -> "~";
            };
            b.append(' ').append(kind).append(p.value());
            if (p.kind() == PathMatch.Kind.SEGMENT_PREFIX) {
                b.append(p.value().endsWith("/") ? "*" : "/*");
            }
            if (p.ignoreCase()) {
                b.append(" (ignore case)");
            }
        }
        if (!m.methods().isEmpty()) {
            b.append(" methods=").append(String.join(",", new java.util.TreeSet<>(m.methods())));
        }
        for (HeaderMatch h : m.headers()) {
            b.append(h.invert() ? " !" : " ").append(h.name()).append(':').append(h.match().kind().name().toLowerCase())
                    .append(h.match().kind() == io.tidegate.spi.model.StringMatch.Kind.PRESENT ? "" : "=" + h.match().value());
        }
        for (QueryMatch q : m.queryParams()) {
            b.append(" ?").append(q.name()).append(':').append(q.match().kind().name().toLowerCase())
                    .append('=').append(q.match().value());
        }
        return b.toString();
    }

    public static String actionText(RouteAction action) {
        if (action instanceof RouteAction.Forward f) {
            List<String> parts = new ArrayList<>();
            for (WeightedCluster wc : f.clusters()) {
                parts.add(f.clusters().size() > 1 ? wc.cluster() + "(" + wc.weight() + ")" : wc.cluster());
            }
            return "forward " + String.join(" ", parts);
        }
        if (action instanceof RouteAction.Redirect r) {
            return "redirect " + r.status();
        }
        RouteAction.DirectResponse d = (RouteAction.DirectResponse) action;
        return "respond " + d.status();
    }
}
