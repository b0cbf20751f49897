package io.tidegate.plugins.istio;

import static io.tidegate.plugins.istio.IstioHosts.admits;
import static io.tidegate.plugins.istio.IstioHosts.qualify;
import static io.tidegate.plugins.istio.IstioObjects.ns;
import static io.tidegate.plugins.istio.IstioObjects.spec;
import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Listener;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.RetryPolicy;
import io.tidegate.spi.model.Route;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Istio's networking API to a Tidegate fragment, as a pure function: objects in, fragment out (file
 * reads for VM-style certificate paths go through the injected {@code files} function). Every object is
 * translated on its own; a field that cannot be translated rejects the smallest unit around it (a match,
 * an http rule, a subset, an object) with a diagnostic naming the object and the field, and everything
 * else stays. See {@code docs/source-istio.md} for the mapping tables.
 *
 * <p>This class orders the work and decides what applies where: which objects this gateway sees
 * ({@code exportTo}), which Gateway servers a VirtualService binds, the order of the routes (objects
 * oldest first, then rules and matches in list order: the first match wins), and the fragment. Each
 * kind of object is translated by its own class: {@link ServiceEntries}, {@link KubernetesServices},
 * {@link GatewayServers}, {@link DestinationRules}, {@link HttpRules} and {@link TcpRules}.
 */
final class IstioTranslator {

    static final String MESH = "mesh";

    /** Istio's default retry policy for routes that say nothing (pilot's {@code DefaultRetryPolicy}). */
    static final RetryPolicy ISTIO_DEFAULT_RETRIES = new RetryPolicy(2, null,
            Set.of("connect-failure", "refused-stream", "retriable-status-codes"), Set.of(503), null);

    private final String source;
    private final PortListeners ports;
    private final TcpRules tcpRules;
    private final String gatewayNamespace;
    private final GatewayServers gatewayServers;
    private final DestinationRules destinationRules;
    private final DestinationResolver destinationResolver;
    private final HttpRules httpRules;

    /**
     * @param source the source name, used in provenance
     * @param gatewayLabels the labels this Tidegate has, matched by Gateway {@code selector}s
     * @param listeners the listeners of tidegate.yaml
     * @param listenerPorts Gateway server port to listener names, overriding the match by listener port
     * @param selfHosts service hosts that stand for this gateway (the mesh hop to it is implicit)
     * @param gatewayNamespace the namespace this gateway runs in: objects whose {@code exportTo} leaves it
     *     out are not visible here
     * @param files reads a file named in a DestinationRule (caCertificates on a VM); throws on failure
     */
    IstioTranslator(String source, Map<String, String> gatewayLabels, List<Listener> listeners,
                    Map<Integer, List<String>> listenerPorts, Set<String> selfHosts, String gatewayNamespace,
                    Function<String, String> files) {
        this.source = requireNonNull(source, "source");
        this.ports = new PortListeners(listeners, listenerPorts);
        this.tcpRules = new TcpRules(ports);
        this.gatewayNamespace = requireNonNull(gatewayNamespace, "gatewayNamespace");
        this.gatewayServers = new GatewayServers(gatewayLabels, ports);
        this.destinationRules = new DestinationRules(new TrafficPolicies(new UpstreamTlsPolicy(files)));
        this.destinationResolver = new DestinationResolver(selfHosts);
        this.httpRules = new HttpRules(selfHosts, ports, destinationResolver);
    }

    /** The Istio objects (and Secrets) a translation reads. */
    record Snapshot(List<GenericKubernetesResource> gateways, List<GenericKubernetesResource> virtualServices,
                    List<GenericKubernetesResource> destinationRules, List<GenericKubernetesResource> serviceEntries,
                    List<Secret> secrets, List<Service> services, List<EndpointSlice> endpointSlices,
                    List<Pod> pods) {

        static Snapshot of(List<? extends HasMetadata> objects) {
            return of(objects, false);
        }

        /** @param kubernetesServices also read Services, EndpointSlices and Pods (else they are ignored) */
        static Snapshot of(List<? extends HasMetadata> objects, boolean kubernetesServices) {
            List<GenericKubernetesResource> gw = new ArrayList<>();
            List<GenericKubernetesResource> vs = new ArrayList<>();
            List<GenericKubernetesResource> dr = new ArrayList<>();
            List<GenericKubernetesResource> se = new ArrayList<>();
            List<Secret> secrets = new ArrayList<>();
            List<Service> services = new ArrayList<>();
            List<EndpointSlice> slices = new ArrayList<>();
            List<Pod> pods = new ArrayList<>();
            for (HasMetadata o : objects) {
                if (o instanceof Secret s) {
                    secrets.add(s);
                    continue;
                }
                if (!kubernetesServices && (o instanceof Service || o instanceof EndpointSlice || o instanceof Pod)) {
                    continue;
                }
                if (o instanceof Service s) {
                    services.add(s);
                    continue;
                }
                if (o instanceof EndpointSlice e) {
                    slices.add(e);
                    continue;
                }
                if (o instanceof Pod pod) {
                    pods.add(pod);
                    continue;
                }
                if (!(o instanceof GenericKubernetesResource g) || o.getApiVersion() == null
                        || !o.getApiVersion().startsWith("networking.istio.io/")) {
                    continue;
                }
                switch (o.getKind()) {
                    case "Gateway" -> gw.add(g);
                    case "VirtualService" -> vs.add(g);
                    case "DestinationRule" -> dr.add(g);
                    case "ServiceEntry" -> se.add(g);
                    default -> { }
                }
            }
            // Istio orders objects by creation time (oldest first), then by namespace and name; manifests
            // without a creationTimestamp sort by name alone.
            Comparator<HasMetadata> byName = Comparator.comparing((HasMetadata h) ->
                            h.getMetadata().getCreationTimestamp() == null ? "" : h.getMetadata().getCreationTimestamp())
                    .thenComparing(h -> ns(h)).thenComparing(h -> h.getMetadata().getName());
            gw.sort(byName);
            vs.sort(byName);
            dr.sort(byName);
            se.sort(byName);
            secrets.sort(byName);
            services.sort(byName);
            slices.sort(byName);
            return new Snapshot(gw, vs, dr, se, secrets, services, slices, pods);
        }
    }

    Fragment translate(Snapshot objects) {
        Translation run = new Translation(source);
        Snapshot s = visible(run, objects);
        for (Secret secret : s.secrets()) {
            run.secrets.put(ns(secret) + "/" + secret.getMetadata().getName(), secret);
        }
        for (GenericKubernetesResource se : s.serviceEntries()) {
            guarded(run, se, () -> ServiceEntries.translate(run, se));
        }
        for (GenericKubernetesResource gw : s.gateways()) {
            guarded(run, gw, () -> gatewayServers.translate(run, gw));
        }
        Map<String, GenericKubernetesResource> rules = DestinationRules.byHost(run, s.destinationRules());
        if (!s.services().isEmpty()) {
            KubernetesServices.translate(run, s, rules.keySet());
        }
        for (var e : run.base.entrySet()) {
            BaseCluster b = e.getValue();
            GenericKubernetesResource dr = rules.get(b.host());
            guarded(run, dr, () -> destinationRules.clustersFor(run, b, dr));
        }
        DestinationRules.reportUnapplied(run, s.destinationRules());
        for (GenericKubernetesResource vs : s.virtualServices()) {
            guarded(run, vs, () -> virtualService(run, vs, rules));
        }
        tcpRules.autoPassthrough(run.servers, run.clusters.values(), run.tcpOut);
        List<Route> all = new ArrayList<>(run.redirects);
        all.addAll(run.routes);
        return new Fragment(all, run.tcpRoutes, List.copyOf(run.clusters.values()),
                List.copyOf(run.certificates.values()), List.copyOf(run.diagnostics));
    }

    /**
     * The snapshot without the VirtualServices, DestinationRules and ServiceEntries whose {@code exportTo}
     * leaves out this gateway's namespace: Istio's gateway sees the objects exported to the namespace its
     * workload runs in ({@code "."}: the object's own namespace, {@code "*"}: every namespace, {@code "~"}:
     * none; no {@code exportTo}: every namespace, Istio's default).
     */
    private Snapshot visible(Translation run, Snapshot s) {
        return new Snapshot(s.gateways(), exported(run, s.virtualServices()), exported(run, s.destinationRules()),
                exported(run, s.serviceEntries()), s.secrets(), s.services(), s.endpointSlices(), s.pods());
    }

    private List<GenericKubernetesResource> exported(Translation run, List<GenericKubernetesResource> objects) {
        List<GenericKubernetesResource> out = new ArrayList<>();
        for (GenericKubernetesResource o : objects) {
            Node exportTo = spec(o).get("exportTo");
            try {
                List<String> to = exportTo.strings();
                if ((to.contains("*") || to.contains("~")) && to.size() > 1) {
                    throw exportTo.error(to + ": '*' and '~' stand alone (expected: '*', '~', or '.' and namespaces)");
                }
                if (to.isEmpty() || to.contains("*") || to.contains(gatewayNamespace)
                        || (to.contains(".") && ns(o).equals(gatewayNamespace))) {
                    out.add(o);
                    continue;
                }
                run.diagnostics.add(new Diagnostic(Diagnostic.Severity.INFO, run.prov(o), exportTo.path(), "exportTo "
                        + to + " leaves out this gateway's namespace " + gatewayNamespace
                        + " (gatewayNamespace); not visible here"));
            } catch (Node.Invalid e) {
                run.diagnostics.add(Diagnostic.error(run.prov(o), e.field, e.getMessage() + "; " + o.getKind()
                        + " rejected"));
            }
        }
        return out;
    }

    /** Runs the translation of one object; what it throws rejects that object alone, with a diagnostic. */
    private void guarded(Translation run, HasMetadata object, Runnable work) {
        try {
            work.run();
        } catch (Node.Invalid e) {
            Provenance where = object == null ? Provenance.of(source, "?") : run.prov(object);
            run.diagnostics.add(Diagnostic.error(where, e.field,
                    e.getMessage() + "; " + (object == null ? "object" : object.getKind()) + " rejected"));
        } catch (RuntimeException e) {
            Provenance where = object == null ? Provenance.of(source, "?") : run.prov(object);
            run.diagnostics.add(Diagnostic.error(where, "", String.valueOf(e.getMessage()) + "; rejected"));
        }
    }

    /**
     * One VirtualService: the Gateway servers (or, for {@code mesh}, the egress listeners) each of its
     * {@code gateways} binds, then its http, tls and tcp rules in order.
     */
    private void virtualService(Translation run, GenericKubernetesResource vs,
                                Map<String, GenericKubernetesResource> rules) {
        Node spec = spec(vs);
        Provenance where = run.prov(vs);
        String vsNs = ns(vs);
        // Istio qualifies short names in every VirtualService host, gateway-bound or not.
        List<String> hosts = spec.get("hosts").strings().stream().map(h -> qualify(h, vsNs)).toList();
        if (hosts.isEmpty()) {
            throw spec.get("hosts").error("is empty (expected: at least one host)");
        }
        List<String> gateways = spec.get("gateways").strings();
        if (gateways.isEmpty()) {
            gateways = List.of(MESH);
        }
        // The servers each gateway reference binds (mesh: the egress listeners), and the hosts HTTP servers admit.
        Map<String, List<GatewayServer>> bound = new LinkedHashMap<>();
        Set<String> routeHosts = new LinkedHashSet<>();
        for (int i = 0; i < gateways.size(); i++) {
            String ref = gateways.get(i);
            if (ref.equals(MESH)) {
                List<GatewayServer> mesh = meshServers(run, spec, where, "spec.gateways[" + i + "]");
                bound.put(MESH, mesh);
                routeHosts.addAll(hosts);
                continue;
            }
            String key = ref.contains("/") ? ref : vsNs + "/" + ref;
            List<GatewayServer> servers = run.servers.get(key);
            if (servers == null) {
                run.diagnostics.add(new Diagnostic(Diagnostic.Severity.INFO, where, "spec.gateways[" + i + "]",
                        "Gateway " + key + " is not served by this gateway (missing, or its selector does not"
                        + " match)"));
                continue;
            }
            List<GatewayServer> admitted = new ArrayList<>();
            String gwNs = key.substring(0, key.indexOf('/'));
            for (GatewayServer s : servers) {
                boolean any = false;
                for (String h : hosts) {
                    for (String sh : s.hosts()) {
                        if (admits(sh, h, vsNs, gwNs)) {
                            any = true;
                            if (s.kind() == GatewayServer.Kind.HTTP) {
                                routeHosts.add(h);
                            }
                        }
                    }
                }
                if (any && s.kind() != GatewayServer.Kind.AUTO_PASSTHROUGH) {
                    admitted.add(s);
                }
            }
            if (admitted.isEmpty()) {
                run.diagnostics.add(Diagnostic.warning(where, "spec.hosts", "no server of Gateway " + key
                        + " admits hosts " + hosts + "; not bound to it"));
                continue;
            }
            bound.put(key, admitted);
        }
        List<String> routeHostList = routeHosts.contains("*") ? List.of() : List.copyOf(routeHosts);
        List<Node> http = spec.get("http").items();
        for (Node rule : http) {
            try {
                httpRules.translate(run, vs, rule, bound, routeHostList, rules);
            } catch (Node.Invalid e) {
                run.diagnostics.add(Diagnostic.error(where.withRule(rule.path()), e.field, e.getMessage()
                        + "; http rule rejected"));
            }
        }
        for (GatewayServer.Kind kind : List.of(GatewayServer.Kind.TLS, GatewayServer.Kind.TCP)) {
            for (Node rule : spec.get(kind == GatewayServer.Kind.TLS ? "tls" : "tcp").items()) {
                try {
                    tcpRules.rule(ns(vs) + "/" + vs.getMetadata().getName(), where, kind, rule, bound, hosts,
                            (r, at, notes, consequence) -> destinationResolver.destinations(run, vs, r, rules,
                                    at, notes, consequence),
                            run.tcpOut);
                } catch (Node.Invalid e) {
                    run.diagnostics.add(Diagnostic.error(where.withRule(rule.path()), e.field, e.getMessage()
                            + "; " + (kind == GatewayServer.Kind.TLS ? "tls" : "tcp") + " rule rejected"));
                }
            }
        }
    }

    /**
     * The {@code mesh} gateway: the egress-role listeners, one pseudo server per kind (http rules on the http
     * and https ones, tcp rules on tcp ones, tls rules on tls-passthrough ones), admitting every host.
     */
    private List<GatewayServer> meshServers(Translation run, Node spec, Provenance where, String field) {
        List<GatewayServer> out = new ArrayList<>();
        for (GatewayServer.Kind kind : List.of(GatewayServer.Kind.HTTP, GatewayServer.Kind.TCP,
                GatewayServer.Kind.TLS)) {
            Set<String> egress = ports.egress(kind.listenerProtocols);
            String rules = kind.name().toLowerCase(Locale.ROOT);
            if (egress.isEmpty() && (kind == GatewayServer.Kind.HTTP || !spec.get(rules).items().isEmpty())) {
                run.diagnostics.add(new Diagnostic(Diagnostic.Severity.INFO, where, field,
                        kind == GatewayServer.Kind.HTTP
                        ? "mesh: tidegate.yaml has no egress listener; the mesh rules are not served"
                        : "mesh: tidegate.yaml has no egress " + kind.listenerProtocols.stream()
                        .map(PortListeners::protocolName).findFirst().orElseThrow() + " listener; the mesh "
                        + rules + " rules are not served"));
            }
            out.add(new GatewayServer(MESH, List.of("*"), egress, 0, kind, where));
        }
        return out;
    }

}
