package io.tidegate.kernel.runtime;

import static java.util.Objects.requireNonNull;

import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.routing.InvalidRouteException;
import io.tidegate.kernel.routing.RouteTable;
import io.tidegate.kernel.tls.TlsCompiler;
import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.FaultPolicy;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.HashPolicy;
import io.tidegate.spi.model.HealthCheck;
import io.tidegate.spi.model.MirrorPolicy;
import io.tidegate.spi.model.OutlierDetection;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.PathRewrite;
import io.tidegate.spi.model.PolicyRef;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.WeightedCluster;
import io.tidegate.spi.policy.Policy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the accepted fragments of every source into one {@link CompiledConfig}. Pure apart from the
 * policy registry: fragments in, generation and per-source diagnostics out.
 *
 * <p>Rules: a bad object (bad regex, unknown policy, unsupported feature) is left out alone and
 * reported against its source object; a route to a cluster nobody defines stays, answers 503 and is
 * reported as an error (another source may define the cluster later); when two sources define the
 * same cluster, the one listed first in {@code tidegate.yaml} wins and the other is warned.
 */
public final class ConfigCompiler {

    private final List<GatewayConfig.ListenerConfig> listeners;
    private final List<GatewayConfig.PluginEntry> globalPolicies;
    private final GatewayConfig.Defaults defaults;
    private final PolicyRegistry policies;
    private final TlsCompiler tls;

    public ConfigCompiler(List<GatewayConfig.ListenerConfig> listeners, List<GatewayConfig.PluginEntry> globalPolicies,
                          GatewayConfig.Defaults defaults, PolicyRegistry policies) {
        this.listeners = List.copyOf(listeners);
        this.globalPolicies = List.copyOf(globalPolicies);
        this.defaults = requireNonNull(defaults, "defaults");
        this.policies = requireNonNull(policies, "policies");
        this.tls = new TlsCompiler(this.listeners);
    }

    /** A source's accepted fragment, in source order. */
    public record SourceFragment(String source, Fragment fragment) {
    }

    /**
     * @param config the new generation
     * @param diagnostics the kernel's findings per source name (the sources' own diagnostics not included)
     * @param policiesInUse every policy binding the generation holds
     */
    public record Result(CompiledConfig config, Map<String, List<Diagnostic>> diagnostics,
                         Set<PolicyRef> policiesInUse) {
    }

    /**
     * Checks what a fragment must satisfy as a whole: unique route and cluster names. A fragment that
     * fails is rejected whole (the source broke the contract); returns the reasons, empty when fine.
     */
    public static List<String> contractViolations(Fragment fragment) {
        List<String> errors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Route r : fragment.routes()) {
            if (!names.add(r.name())) {
                errors.add("routes: duplicate route name '" + r.name() + "' (" + r.provenance() + ")");
            }
        }
        names.clear();
        for (io.tidegate.spi.model.TcpRoute r : fragment.tcpRoutes()) {
            if (!names.add(r.name())) {
                errors.add("tcpRoutes: duplicate tcp route name '" + r.name() + "' (" + r.provenance() + ")");
            }
        }
        names.clear();
        for (Cluster c : fragment.clusters()) {
            if (!names.add(c.name())) {
                errors.add("clusters: duplicate cluster name '" + c.name() + "' (" + c.provenance() + ")");
            }
        }
        return errors;
    }

    public Result compile(List<SourceFragment> fragments, CompiledConfig previous, long version) {
        Map<String, Set<Diagnostic>> diagnostics = new LinkedHashMap<>();
        fragments.forEach(f -> diagnostics.put(f.source(), new LinkedHashSet<>()));
        reportUnserved(fragments, diagnostics, tls.hasListeners());

        Map<String, ClusterRuntime> clusters = compileClusters(fragments, previous, diagnostics);
        Set<PolicyRef> inUse = new HashSet<>();
        // Listeners bound by the same global policies share one compiled route list (usually all of them).
        Map<List<GatewayConfig.PluginEntry>, List<CompiledRoute>> byPolicies = new HashMap<>();
        Map<String, RouteTable<CompiledRoute>> tables = new HashMap<>();
        Map<String, List<Policy>> connectionPolicies = new HashMap<>();
        for (GatewayConfig.ListenerConfig listener : listeners) {
            List<GatewayConfig.PluginEntry> globals = globalPolicies.stream()
                    .filter(p -> p.listeners().isEmpty() || p.listeners().contains(listener.name())).toList();
            List<Policy> onConnect = new ArrayList<>();
            for (GatewayConfig.PluginEntry g : globals) {
                PolicyRef ref = new PolicyRef(g.id(), g.settings());
                onConnect.add(policies.get(ref)); // validated at start-up: cannot fail here
                inUse.add(ref);
            }
            connectionPolicies.put(listener.name(), onConnect);
            if (listener.isLayer4()) {
                continue; // its TCP routes are compiled below
            }
            List<CompiledRoute> routes = byPolicies.computeIfAbsent(globals,
                    g -> compileRoutes(fragments, clusters, g, diagnostics, inUse));
            tables.put(listener.name(), buildTable(listener, routes, diagnostics));
        }
        Map<String, io.tidegate.kernel.tls.SniMap> certificates = tls.compile(fragments.stream()
                .map(f -> new TlsCompiler.SourceCertificates(f.source(), f.fragment().certificates())).toList(),
                diagnostics);
        L4Routes l4 = new L4Compiler(listeners).compile(fragments, clusters, diagnostics);
        CompiledConfig config = new CompiledConfig(version, Instant.now(), tables, clusters, served(fragments, tables),
                connectionPolicies, certificates, l4);
        Map<String, List<Diagnostic>> out = new LinkedHashMap<>();
        diagnostics.forEach((source, set) -> out.put(source, List.copyOf(set)));
        return new Result(config, out, inUse);
    }

    private List<CompiledRoute> compileRoutes(List<SourceFragment> fragments, Map<String, ClusterRuntime> clusters,
                                              List<GatewayConfig.PluginEntry> globals,
                                              Map<String, Set<Diagnostic>> diagnostics, Set<PolicyRef> inUse) {
        List<CompiledRoute> routes = new ArrayList<>();
        for (SourceFragment f : fragments) {
            for (Route route : f.fragment().routes()) {
                CompiledRoute compiled = compileRoute(route, clusters, globals, diagnostics.get(f.source()), inUse);
                if (compiled != null) {
                    routes.add(compiled);
                }
            }
        }
        return routes;
    }

    /** Every route some listener serves, once, in precedence order (for the admin API and the CLI). */
    private static List<CompiledRoute> served(List<SourceFragment> fragments,
                                              Map<String, RouteTable<CompiledRoute>> tables) {
        Map<Route, CompiledRoute> byRoute = new IdentityHashMap<>();
        tables.values().forEach(t -> t.routes().forEach(r -> byRoute.putIfAbsent(r.route(), r)));
        List<CompiledRoute> out = new ArrayList<>();
        for (SourceFragment f : fragments) {
            for (Route r : f.fragment().routes()) {
                CompiledRoute c = byRoute.get(r);
                if (c != null) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    /** Parts of the model this build does not serve yet are reported, never silently dropped. */
    private static void reportUnserved(List<SourceFragment> fragments, Map<String, Set<Diagnostic>> diagnostics,
                                       boolean httpsListeners) {
        for (SourceFragment f : fragments) {
            for (var cert : httpsListeners ? List.<io.tidegate.spi.model.Certificate>of() : f.fragment().certificates()) {
                diagnostics.get(f.source()).add(Diagnostic.warning(cert.provenance(), "",
                        "certificates are not served: tidegate.yaml has no https listener"));
            }
        }
    }

    private Map<String, ClusterRuntime> compileClusters(List<SourceFragment> fragments, CompiledConfig previous,
                                                        Map<String, Set<Diagnostic>> diagnostics) {
        Map<String, ClusterRuntime> out = new HashMap<>();
        Map<String, String> owner = new HashMap<>();
        for (SourceFragment f : fragments) {
            for (Cluster cluster : f.fragment().clusters()) {
                String first = owner.putIfAbsent(cluster.name(), f.source());
                if (first != null) {
                    diagnostics.get(f.source()).add(Diagnostic.warning(cluster.provenance(), "name",
                            "cluster '" + cluster.name() + "' is also defined by source '" + first
                                    + "', which is listed first and wins"));
                    continue;
                }
                String badHealth = invalidHealthSettings(cluster);
                if (badHealth != null) {
                    diagnostics.get(f.source()).add(Diagnostic.error(cluster.provenance(),
                            badHealth.substring(0, badHealth.indexOf(':')), badHealth + "; cluster rejected"));
                    continue;
                }
                String badHash = invalidHashPolicy(cluster.loadBalancer());
                if (badHash != null) {
                    diagnostics.get(f.source()).add(Diagnostic.error(cluster.provenance(), "loadBalancer.hashPolicies",
                            badHash + "; cluster rejected"));
                    continue;
                }
                ClusterRuntime old = previous.clusters().get(cluster.name());
                try {
                    ClusterRuntime runtime = old != null && old.spec().equals(cluster) ? old
                            : new ClusterRuntime(cluster, defaults.connectTimeout(), defaults.upstreamIdleTimeout());
                    if (old != null && runtime != old) {
                        runtime.keepBreakerOf(old);
                    }
                    out.put(cluster.name(), runtime);
                } catch (IllegalArgumentException e) { // its tls cannot be used: bad PEM, key mismatch
                    diagnostics.get(f.source()).add(Diagnostic.error(cluster.provenance(), "tls",
                            e.getMessage() + "; cluster rejected"));
                }
            }
        }
        return out;
    }

    /** {@code "field: why"} when the active or passive health settings cannot work, or null. */
    private static String invalidHealthSettings(Cluster c) {
        HealthCheck hc = c.healthCheck();
        if (hc != null) {
            if (hc.interval().isZero() || hc.interval().isNegative()) {
                return "healthCheck.interval: " + hc.interval() + " (expected: > 0)";
            }
            if (hc.timeout().isZero() || hc.timeout().isNegative()) {
                return "healthCheck.timeout: " + hc.timeout() + " (expected: > 0)";
            }
            if (hc.kind() == HealthCheck.Kind.HTTP && hc.path() != null && !hc.path().startsWith("/")) {
                return "healthCheck.path: '" + hc.path() + "' (expected: a path starting with /)";
            }
            if (hc.healthyThreshold() < 0 || hc.unhealthyThreshold() < 0) {
                return "healthCheck.thresholds: " + hc.healthyThreshold() + "/" + hc.unhealthyThreshold()
                        + " (expected: >= 0; 0 means 1)";
            }
            for (int status : hc.expectedStatuses()) {
                if (status < 100 || status > 599) {
                    return "healthCheck.expectedStatuses: " + status + " (expected: 100-599)";
                }
            }
        }
        OutlierDetection od = c.outlierDetection();
        if (od != null) {
            if (od.consecutive5xx() < 0 || od.consecutiveGatewayErrors() < 0) {
                return "outlierDetection.consecutive5xx: " + od.consecutive5xx() + "/" + od.consecutiveGatewayErrors()
                        + " (expected: >= 0; 0 disables)";
            }
            if (od.maxEjectionPercent() < 0 || od.maxEjectionPercent() > 100) {
                return "outlierDetection.maxEjectionPercent: " + od.maxEjectionPercent() + " (expected: 0-100)";
            }
        }
        return null;
    }

    /** Why the hash settings cannot work, or null. */
    private static String invalidHashPolicy(LoadBalancer lb) {
        boolean hashing = lb.policy() == LoadBalancer.Policy.RING_HASH || lb.policy() == LoadBalancer.Policy.MAGLEV;
        if (!hashing && !lb.hashPolicies().isEmpty()) {
            return "hash policies need a consistent-hash balancer (expected: ring-hash or maglev, got "
                    + lb.policy() + ")";
        }
        for (HashPolicy p : lb.hashPolicies()) {
            if (p.kind() != HashPolicy.Kind.SOURCE_IP && p.name().isBlank()) {
                return p.kind() + " hash policy without a name";
            }
            if (p.cookieTtl() != null && (p.kind() != HashPolicy.Kind.COOKIE || p.cookieTtl().isNegative())) {
                return "cookieTtl is for cookie hash policies and must be >= 0";
            }
        }
        return null;
    }

    /** {@code "field: why"} when a fault, retry or CORS policy cannot work, or null. */
    private static String invalidRouteSettings(Route r) {
        FaultPolicy f = r.fault();
        if (f != null) {
            if (f.delay() == null && f.abortStatus() == null) {
                return "fault: neither a delay nor an abort (expected: at least one)";
            }
            if (f.delay() != null && (f.delay().isNegative() || f.delayPercent() < 0 || f.delayPercent() > 100)) {
                return "fault.delay: " + f.delay() + " for " + f.delayPercent() + "% (expected: >= 0, 0-100%)";
            }
            if (f.abortStatus() != null && (f.abortStatus() < 200 || f.abortStatus() > 599
                    || f.abortPercent() < 0 || f.abortPercent() > 100)) {
                return "fault.abort: " + f.abortStatus() + " for " + f.abortPercent() + "% (expected: 200-599, 0-100%)";
            }
        }
        if (r.retries() != null) {
            try {
                new RetryRules(r.retries());
            } catch (IllegalArgumentException e) {
                return "retries." + e.getMessage();
            }
            if (r.retries().perTryTimeout() != null && r.retries().perTryTimeout().isNegative()) {
                return "retries.perTryTimeout: " + r.retries().perTryTimeout() + " (expected: >= 0)";
            }
        }
        if (r.cors() != null) {
            try {
                new Cors(r.cors());
            } catch (IllegalArgumentException e) {
                return "cors.allowOrigins: " + e.getMessage();
            }
        }
        return invalidHeaderEdits(r);
    }

    /** {@code "field: why"} for the first header edit of the route or of one of its destinations that cannot be. */
    private static String invalidHeaderEdits(Route r) {
        String bad = HeaderEditRules.invalid("requestHeaders", r.requestHeaders());
        if (bad == null) {
            bad = HeaderEditRules.invalid("responseHeaders", r.responseHeaders());
        }
        if (bad == null && r.action() instanceof RouteAction.DirectResponse direct) {
            bad = HeaderEditRules.invalid("directResponse.headers", direct.headers());
        }
        if (bad == null && r.action() instanceof RouteAction.Forward forward) {
            for (int i = 0; bad == null && i < forward.clusters().size(); i++) {
                WeightedCluster wc = forward.clusters().get(i);
                bad = HeaderEditRules.invalid("forward[" + i + "].requestHeaders", wc.requestHeaders());
                if (bad == null) {
                    bad = HeaderEditRules.invalid("forward[" + i + "].responseHeaders", wc.responseHeaders());
                }
            }
        }
        return bad;
    }

    private CompiledRoute compileRoute(Route route, Map<String, ClusterRuntime> clusters,
                                       List<GatewayConfig.PluginEntry> globals, Set<Diagnostic> diags,
                                       Set<PolicyRef> inUse) {
        for (String name : route.listeners()) {
            if (listeners.stream().noneMatch(l -> l.name().equals(name))) {
                diags.add(Diagnostic.error(route.provenance(), "listeners",
                        "no listener named '" + name + "' in tidegate.yaml; route '" + route.name() + "' rejected"));
                return null;
            }
            if (listeners.stream().anyMatch(l -> l.name().equals(name) && l.isLayer4())) {
                diags.add(Diagnostic.error(route.provenance(), "listeners", "listener '" + name
                        + "' relays bytes (tcp or tls-passthrough; expected: an http or https listener, or a tcp "
                        + "route); route '" + route.name() + "' rejected"));
                return null;
            }
        }
        String badAction = invalidRouteSettings(route);
        if (badAction != null) {
            diags.add(Diagnostic.error(route.provenance(), badAction.substring(0, badAction.indexOf(':')),
                    badAction + "; route '" + route.name() + "' rejected"));
            return null;
        }
        PathRewriter rewriter;
        try {
            PathRewrite rewrite = route.rewrite();
            if (route.action() instanceof RouteAction.Redirect redirect && redirect.prefixRewrite() != null) {
                rewrite = PathRewrite.prefix(redirect.prefixRewrite()); // the redirect's path comes from it
            }
            rewriter = PathRewriter.compile(rewrite, route.match().path());
        } catch (IllegalArgumentException e) {
            diags.add(Diagnostic.error(route.provenance(), "rewrite", e.getMessage()));
            return null;
        }
        ClusterRuntime[] targets = new ClusterRuntime[0];
        if (route.action() instanceof RouteAction.Forward forward) {
            targets = new ClusterRuntime[forward.clusters().size()];
            for (int i = 0; i < targets.length; i++) {
                WeightedCluster wc = forward.clusters().get(i);
                targets[i] = clusters.get(wc.cluster());
                if (targets[i] == null) {
                    diags.add(Diagnostic.error(route.provenance(), "forward[" + i + "].cluster",
                            "cluster '" + wc.cluster() + "' is not defined by any source; requests get 503"));
                }
            }
        }
        List<CompiledMirror> mirrors = new ArrayList<>();
        for (int i = 0; i < route.mirrors().size(); i++) {
            MirrorPolicy mirror = route.mirrors().get(i);
            ClusterRuntime shadow = clusters.get(mirror.cluster());
            if (shadow == null) {
                diags.add(Diagnostic.error(route.provenance(), "mirrors[" + i + "].cluster",
                        "cluster '" + mirror.cluster() + "' is not defined by any source; requests are not mirrored"));
            }
            mirrors.add(new CompiledMirror(mirror.cluster(), shadow, mirror.percent()));
        }
        List<Policy> bound = new ArrayList<>();
        try {
            for (GatewayConfig.PluginEntry global : globals) {
                PolicyRef ref = new PolicyRef(global.id(), global.settings());
                bound.add(policies.get(ref));
                inUse.add(ref);
            }
            for (PolicyRef ref : route.policies()) {
                bound.add(policies.get(ref));
                inUse.add(ref);
            }
        } catch (ConfigException e) {
            diags.add(Diagnostic.error(route.provenance(), "policies", e.getMessage()));
            return null;
        }
        Duration request = route.timeouts().request() != null ? route.timeouts().request() : defaults.requestTimeout();
        Duration idle = route.timeouts().idle() != null ? route.timeouts().idle() : defaults.idleTimeout();
        long maxBody = route.maxRequestBodyBytes() != null ? route.maxRequestBodyBytes() : 0;
        return new CompiledRoute(route, targets, rewriter, bound, request.toNanos(), idle.toNanos(), maxBody, mirrors);
    }

    private RouteTable<CompiledRoute> buildTable(GatewayConfig.ListenerConfig listener, List<CompiledRoute> routes,
                                                 Map<String, Set<Diagnostic>> diagnostics) {
        List<CompiledRoute> mine = new ArrayList<>();
        for (CompiledRoute r : routes) {
            Set<String> on = r.route().listeners();
            if (on.isEmpty() || on.contains(listener.name())) {
                mine.add(r);
            }
        }
        // A route the table refuses (bad regex, bad host pattern) is removed alone and reported.
        while (true) {
            try {
                return RouteTable.compile(mine, CompiledRoute::route);
            } catch (InvalidRouteException e) {
                Route bad = e.route();
                mine.removeIf(r -> r.route() == bad);
                // Provenance names the source by its configured name (the spi contract).
                diagnostics.computeIfAbsent(bad.provenance().source(), k -> new LinkedHashSet<>())
                        .add(Diagnostic.error(bad.provenance(), e.field(), e.getMessage()));
            }
        }
    }
}
