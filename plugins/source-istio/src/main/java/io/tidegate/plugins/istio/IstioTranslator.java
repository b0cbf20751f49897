package io.tidegate.plugins.istio;

import static io.tidegate.plugins.istio.IstioHosts.admits;
import static io.tidegate.plugins.istio.IstioHosts.bareHost;
import static io.tidegate.plugins.istio.IstioHosts.qualify;
import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.tidegate.spi.model.Certificate;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.CorsPolicy;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.FaultPolicy;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.HashPolicy;
import io.tidegate.spi.model.HeaderEdits;
import io.tidegate.spi.model.HeaderMatch;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.model.HealthStatus;
import io.tidegate.spi.model.Listener;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.MirrorPolicy;
import io.tidegate.spi.model.OutlierDetection;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.PathRewrite;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.QueryMatch;
import io.tidegate.spi.model.RetryPolicy;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.RouteMatch;
import io.tidegate.spi.model.SocketAddress;
import io.tidegate.spi.model.StringMatch;
import io.tidegate.spi.model.TcpRoute;
import io.tidegate.spi.model.Timeouts;
import io.tidegate.spi.model.UpstreamTls;
import io.tidegate.spi.model.WeightedCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Istio's networking API to a Tidegate fragment, as a pure function: objects in, fragment out (file
 * reads for VM-style certificate paths go through the injected {@code files} function). Every object is
 * translated on its own; a field that cannot be translated rejects the smallest unit around it (a match,
 * an http rule, a subset, an object) with a diagnostic naming the object and the field, and everything
 * else stays. See {@code docs/source-istio.md} for the mapping tables.
 */
final class IstioTranslator {

    static final String MESH = "mesh";

    /** Istio's default retry policy for routes that say nothing (pilot's {@code DefaultRetryPolicy}). */
    static final RetryPolicy ISTIO_DEFAULT_RETRIES = new RetryPolicy(2, null,
            Set.of("connect-failure", "refused-stream", "retriable-status-codes"), Set.of(503), null);

    private final String source;
    private final Map<String, String> gatewayLabels;
    private final PortListeners ports;
    private final TcpRules tcpRules;
    private final Set<String> selfHosts;
    private final String gatewayNamespace;
    private final Function<String, String> files;

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
        this.gatewayLabels = Map.copyOf(gatewayLabels);
        this.ports = new PortListeners(listeners, listenerPorts);
        this.tcpRules = new TcpRules(ports);
        this.selfHosts = Set.copyOf(selfHosts);
        this.gatewayNamespace = requireNonNull(gatewayNamespace, "gatewayNamespace");
        this.files = requireNonNull(files, "files");
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

    // ------------------------------------------------------------------------------------------ state

    /** One cluster being built: its endpoints, from a ServiceEntry, before DestinationRules apply. */
    private record BaseCluster(String host, int port, IstioProtocol protocol, List<Endpoint> endpoints,
                               Cluster.Resolution resolution, Provenance provenance) {
    }

    private final class Run {
        final Set<Diagnostic> diagnostics = new LinkedHashSet<>(); // the same report for several clusters once
        final Map<String, BaseCluster> base = new TreeMap<>();           // "host:port"
        final Map<String, List<BaseCluster>> seHosts = new LinkedHashMap<>(); // host -> its ports
        final Map<String, Cluster> clusters = new TreeMap<>();
        final Map<String, Certificate> certificates = new TreeMap<>();
        final Map<String, List<GatewayServer>> servers = new LinkedHashMap<>(); // "ns/name" -> servers
        final List<Route> redirects = new ArrayList<>();
        final List<Route> routes = new ArrayList<>();
        final List<TcpRoute> tcpRoutes = new ArrayList<>();
        final Map<String, Duration> tcpIdleTimeouts = new LinkedHashMap<>(); // cluster -> DR tcp.idleTimeout
        final TcpRules.Out tcpOut = new TcpRules.Out(diagnostics, tcpRoutes, tcpIdleTimeouts);
        final Map<String, Secret> secrets = new LinkedHashMap<>();
        final Set<String> routeNames = new LinkedHashSet<>();
        final Set<String> referenced = new LinkedHashSet<>();
    }

    Fragment translate(Snapshot objects) {
        Run run = new Run();
        Snapshot s = visible(run, objects);
        for (Secret secret : s.secrets()) {
            run.secrets.put(ns(secret) + "/" + secret.getMetadata().getName(), secret);
        }
        for (GenericKubernetesResource se : s.serviceEntries()) {
            guarded(run, se, () -> serviceEntry(run, se));
        }
        for (GenericKubernetesResource gw : s.gateways()) {
            guarded(run, gw, () -> gateway(run, gw));
        }
        Map<String, GenericKubernetesResource> rules = destinationRulesByHost(run, s.destinationRules());
        if (!s.services().isEmpty()) {
            kubernetesServices(run, s, rules.keySet());
        }
        for (var e : run.base.entrySet()) {
            BaseCluster b = e.getValue();
            GenericKubernetesResource dr = rules.get(b.host());
            guarded(run, dr, () -> clustersFor(run, b, dr));
        }
        for (GenericKubernetesResource dr : s.destinationRules()) {
            String host = qualify(new Node(spec(dr).get("host").string(""), "spec.host").string(""), ns(dr));
            if (!run.seHosts.containsKey(host) && !host.isEmpty()) {
                run.diagnostics.add(Diagnostic.warning(prov(dr), "spec.host", host.endsWith(IstioHosts.SVC_SUFFIX)
                        ? "the clusters of Kubernetes Service " + host + " are published by the kubernetes source;"
                        + " its trafficPolicy and subsets are not applied (pod labels are not known here)"
                        : "no ServiceEntry for host " + host + "; the DestinationRule applies to nothing"));
            }
        }
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
    private Snapshot visible(Run run, Snapshot s) {
        return new Snapshot(s.gateways(), exported(run, s.virtualServices()), exported(run, s.destinationRules()),
                exported(run, s.serviceEntries()), s.secrets(), s.services(), s.endpointSlices(), s.pods());
    }

    private List<GenericKubernetesResource> exported(Run run, List<GenericKubernetesResource> objects) {
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
                run.diagnostics.add(new Diagnostic(Diagnostic.Severity.INFO, prov(o), exportTo.path(), "exportTo "
                        + to + " leaves out this gateway's namespace " + gatewayNamespace
                        + " (gatewayNamespace); not visible here"));
            } catch (Node.Invalid e) {
                run.diagnostics.add(Diagnostic.error(prov(o), e.field, e.getMessage() + "; " + o.getKind()
                        + " rejected"));
            }
        }
        return out;
    }

    private void guarded(Run run, HasMetadata object, Runnable work) {
        try {
            work.run();
        } catch (Node.Invalid e) {
            run.diagnostics.add(Diagnostic.error(object == null ? Provenance.of(source, "?") : prov(object), e.field,
                    e.getMessage() + "; " + (object == null ? "object" : object.getKind()) + " rejected"));
        } catch (RuntimeException e) {
            run.diagnostics.add(Diagnostic.error(object == null ? Provenance.of(source, "?") : prov(object), "",
                    String.valueOf(e.getMessage()) + "; rejected"));
        }
    }

    // ------------------------------------------------------------------------------------------ ServiceEntry

    private void serviceEntry(Run run, GenericKubernetesResource se) {
        Node spec = spec(se);
        Provenance where = prov(se);
        String resolution = spec.get("resolution").string("NONE");
        List<String> hosts = spec.get("hosts").strings();
        if (hosts.isEmpty()) {
            throw spec.get("hosts").error("is empty (expected: at least one host)");
        }
        List<Node> ports = spec.get("ports").items();
        if (ports.isEmpty()) {
            throw spec.get("ports").error("is empty (expected: at least one port)");
        }
        Cluster.Resolution kind;
        switch (resolution) {
            case "STATIC" -> kind = Cluster.Resolution.STATIC;
            case "DNS", "DNS_ROUND_ROBIN" -> kind = Cluster.Resolution.DNS;
            case "NONE" -> {
                run.diagnostics.add(Diagnostic.warning(where, "spec.resolution", "NONE (forward to the original"
                        + " destination address) cannot be expressed: a gateway has no original destination;"
                        + " routes to " + hosts + " answer 503"));
                return;
            }
            default -> throw spec.get("resolution").error("'" + resolution
                    + "' (expected: NONE, STATIC, DNS or DNS_ROUND_ROBIN)");
        }
        List<Node> endpoints = spec.get("endpoints").items();
        if (kind == Cluster.Resolution.STATIC && endpoints.isEmpty()) {
            throw spec.get("endpoints").error("is empty (expected: the endpoints of a STATIC ServiceEntry)");
        }
        if (spec.has("workloadSelector")) {
            run.diagnostics.add(Diagnostic.warning(where, "spec.workloadSelector",
                    "WorkloadEntries are not read; only spec.endpoints are used"));
        }
        for (String host : hosts) {
            boolean wildcard = host.startsWith("*");
            if (wildcard && endpoints.isEmpty()) {
                run.diagnostics.add(Diagnostic.warning(where, "spec.hosts", "wildcard host " + host
                        + " with resolution " + resolution + " and no endpoints has no address to resolve;"
                        + " routes to it answer 503"));
                continue;
            }
            for (Node p : ports) {
                int number = p.get("number").integer(0, 1, 65535);
                if (number == 0) {
                    throw p.get("number").error("is required but missing");
                }
                String portName = p.get("name").string("");
                IstioProtocol protocol = IstioProtocol.parse(p.get("protocol").string("HTTP"));
                if (protocol == null || protocol == IstioProtocol.UDP) {
                    throw p.get("protocol").error("'" + p.get("protocol").string() + "' (expected: HTTP, HTTPS,"
                            + " HTTP2, GRPC, GRPC-WEB, TCP, TLS, MONGO, MYSQL or REDIS)");
                }
                int target = p.get("targetPort").integer(number, 1, 65535);
                List<Endpoint> eps = new ArrayList<>();
                if (endpoints.isEmpty()) {
                    eps.add(new Endpoint(new SocketAddress(host.toLowerCase(Locale.ROOT), target), 1, Map.of(),
                            HealthStatus.UNKNOWN));
                }
                for (Node ep : endpoints) {
                    String address = ep.get("address").string();
                    if (address.startsWith("unix://")) {
                        throw ep.get("address").error("unix sockets are not supported");
                    }
                    Map<String, String> epPorts = ep.get("ports").stringMap();
                    int port = epPorts.containsKey(portName)
                            ? new Node(epPorts.get(portName), ep.path() + ".ports." + portName).integer(0, 1, 65535)
                            : target;
                    int weight = ep.get("weight").integer(1, 1, 1_000_000);
                    eps.add(new Endpoint(new SocketAddress(address, port), weight, ep.get("labels").stringMap(),
                            HealthStatus.UNKNOWN));
                }
                String h = host.toLowerCase(Locale.ROOT);
                BaseCluster b = new BaseCluster(h, number, protocol, eps, kind, where);
                String key = h + ":" + number;
                if (run.base.containsKey(key)) {
                    run.diagnostics.add(Diagnostic.warning(where, "spec.hosts", "host " + h + " port " + number
                            + " is already defined by " + run.base.get(key).provenance().object() + "; ignored"));
                    continue;
                }
                run.base.put(key, b);
                run.seHosts.computeIfAbsent(h, x -> new ArrayList<>()).add(b);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ Kubernetes Services

    /**
     * Kubernetes Services this source was given (manifests, or informers with {@code kubernetesServices:
     * true}) become clusters like ServiceEntries: ready EndpointSlice endpoints, with the labels of their
     * pods (so DestinationRule subsets select pods). Only hosts a VirtualService or DestinationRule names
     * are published, and a ServiceEntry for the same host takes precedence.
     */
    private void kubernetesServices(Run run, Snapshot s, Set<String> ruleHosts) {
        Set<String> wanted = new LinkedHashSet<>(ruleHosts);
        for (GenericKubernetesResource vs : s.virtualServices()) {
            try {
                for (String kind : List.of("http", "tcp", "tls")) {
                    for (Node rule : spec(vs).get(kind).items()) {
                        List<Node> dests = new ArrayList<>();
                        rule.get("route").items().forEach(d -> dests.add(d.get("destination")));
                        dests.add(rule.get("mirror"));
                        rule.get("mirrors").items().forEach(m -> dests.add(m.get("destination")));
                        for (Node d : dests) {
                            wanted.add(qualify(d.get("host").string(""), ns(vs)));
                        }
                    }
                }
            } catch (Node.Invalid e) {
                // reported when the VirtualService itself is translated
            }
        }
        Map<String, Map<String, String>> podLabels = new LinkedHashMap<>();
        for (Pod p : s.pods()) {
            podLabels.put(ns(p) + "/" + p.getMetadata().getName(), p.getMetadata().getLabels() == null ? Map.of()
                    : p.getMetadata().getLabels());
        }
        for (Service svc : s.services()) {
            String host = svc.getMetadata().getName() + "." + ns(svc) + IstioHosts.SVC_SUFFIX;
            if (!wanted.contains(host) || run.seHosts.containsKey(host) || svc.getSpec() == null
                    || svc.getSpec().getPorts() == null) {
                continue;
            }
            Provenance where = prov(svc);
            for (ServicePort sp : svc.getSpec().getPorts()) {
                List<Endpoint> eps = new ArrayList<>();
                for (EndpointSlice slice : s.endpointSlices()) {
                    Map<String, String> labels = slice.getMetadata().getLabels();
                    if (!ns(slice).equals(ns(svc)) || labels == null
                            || !svc.getMetadata().getName().equals(labels.get("kubernetes.io/service-name"))) {
                        continue;
                    }
                    Integer port = null;
                    for (EndpointPort ep : slice.getPorts() == null ? List.<EndpointPort>of() : slice.getPorts()) {
                        String name = ep.getName() == null ? "" : ep.getName();
                        if (name.equals(sp.getName() == null ? "" : sp.getName())) {
                            port = ep.getPort();
                        }
                    }
                    if (port == null) {
                        continue;
                    }
                    for (var e : slice.getEndpoints() == null ? List.<io.fabric8.kubernetes.api.model.discovery.v1
                            .Endpoint>of() : slice.getEndpoints()) {
                        if (e.getConditions() != null && Boolean.FALSE.equals(e.getConditions().getReady())) {
                            continue;
                        }
                        Map<String, String> labels2 = e.getTargetRef() != null && "Pod".equals(e.getTargetRef()
                                .getKind()) ? podLabels.getOrDefault(ns(svc) + "/" + e.getTargetRef().getName(),
                                Map.of()) : Map.of();
                        for (String a : e.getAddresses()) {
                            eps.add(new Endpoint(new SocketAddress(a, port), 1, labels2, HealthStatus.HEALTHY));
                        }
                    }
                }
                eps.sort(Comparator.comparing(e -> e.address().toString()));
                IstioProtocol protocol = IstioProtocol.ofServicePort(sp.getAppProtocol(), sp.getName());
                BaseCluster b = new BaseCluster(host, sp.getPort(), protocol, eps, Cluster.Resolution.STATIC, where);
                run.base.put(host + ":" + sp.getPort(), b);
                run.seHosts.computeIfAbsent(host, x -> new ArrayList<>()).add(b);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ DestinationRule

    private Map<String, GenericKubernetesResource> destinationRulesByHost(Run run,
                                                                           List<GenericKubernetesResource> rules) {
        Map<String, GenericKubernetesResource> out = new LinkedHashMap<>();
        for (GenericKubernetesResource dr : rules) {
            try {
                String host = qualify(spec(dr).get("host").string(), ns(dr));
                if (out.containsKey(host)) {
                    run.diagnostics.add(Diagnostic.warning(prov(dr), "spec.host", "host " + host
                            + " already has DestinationRule " + prov(out.get(host)).object() + "; ignored"));
                    continue;
                }
                out.put(host, dr);
            } catch (Node.Invalid e) {
                run.diagnostics.add(Diagnostic.error(prov(dr), e.field, e.getMessage() + "; DestinationRule rejected"));
            }
        }
        return out;
    }

    private void clustersFor(Run run, BaseCluster b, GenericKubernetesResource dr) {
        String name = b.host() + ":" + b.port();
        Node spec = dr == null ? new Node(null, "spec") : spec(dr);
        Provenance where = dr == null ? b.provenance() : prov(dr);
        Node policy = spec.get("trafficPolicy");
        run.clusters.put(name, cluster(run, name, b, b.endpoints(), policy, new Node(null, ""), where,
                "spec.trafficPolicy"));
        for (Node subset : spec.get("subsets").items()) {
            String sn = subset.get("name").string();
            try {
                Map<String, String> labels = subset.get("labels").stringMap();
                List<Endpoint> eps = b.endpoints().stream()
                        .filter(e -> e.labels().entrySet().containsAll(labels.entrySet())).toList();
                Node sp = subset.get("trafficPolicy");
                String cn = subsetCluster(name, sn);
                run.clusters.put(cn, cluster(run, cn, b, eps, policy, sp, where, sp.missing() ? "spec.trafficPolicy"
                        : sp.path()));
                if (eps.isEmpty()) {
                    run.diagnostics.add(Diagnostic.warning(where, subset.path() + ".labels", "subset " + sn
                            + " selects no endpoint of " + b.host() + "; requests to it answer 503"));
                }
            } catch (Node.Invalid e) {
                run.diagnostics.add(Diagnostic.error(where, e.field, e.getMessage() + "; subset " + sn + " rejected"));
            }
        }
    }

    static String subsetCluster(String cluster, String subset) {
        return cluster + "/" + subset;
    }

    private static final List<String> POLICY_FIELDS = List.of("loadBalancer", "connectionPool", "outlierDetection",
            "tls");

    /**
     * Istio's {@code MergeTrafficPolicy}: the subset's fields override the rule's, field by field; then
     * the port-level settings (of the subset if it has any, else of the rule) override for that port.
     */
    private static Map<String, Node> effective(Node policy, Node subset, int port) {
        Map<String, Node> out = new LinkedHashMap<>();
        for (String f : POLICY_FIELDS) {
            out.put(f, subset.has(f) ? subset.get(f) : policy.get(f));
        }
        Node levels = subset.has("portLevelSettings") ? subset.get("portLevelSettings")
                : policy.get("portLevelSettings");
        for (Node pl : levels.items()) {
            if (pl.get("port").get("number").integer(0, 0, 65535) == port) {
                for (String f : POLICY_FIELDS) {
                    if (pl.has(f)) {
                        out.put(f, pl.get(f));
                    }
                }
            }
        }
        return out;
    }

    private Cluster cluster(Run run, String name, BaseCluster b, List<Endpoint> endpoints, Node policy,
                            Node subsetPolicy, Provenance where, String field) {
        Map<String, Node> eff = effective(policy, subsetPolicy, b.port());
        LoadBalancer lb = loadBalancer(run, eff.get("loadBalancer"), where);
        Node poolNode = eff.get("connectionPool");
        ConnectionPool pool = ConnectionPool.of(poolNode, b.protocol());
        if (pool.tcpIdleTimeout() != null) {
            run.tcpIdleTimeouts.put(name, pool.tcpIdleTimeout());
        }
        if (!pool.ignored().isEmpty()) {
            run.diagnostics.add(Diagnostic.warning(where, poolNode.path(), pool.ignored()
                    + " have no counterpart in Tidegate; ignored"));
        }
        OutlierDetection od = null;
        Node o = eff.get("outlierDetection");
        if (!o.missing()) {
            // Istio's defaults: consecutive5xxErrors 5, interval 10s, baseEjectionTime 30s, maxEjectionPercent 10.
            int c5xx = o.get("consecutive5xxErrors").integer(o.has("consecutiveErrors")
                    ? o.get("consecutiveErrors").integer(5, 0, Integer.MAX_VALUE) : 5, 0, Integer.MAX_VALUE);
            int gw = o.get("consecutiveGatewayErrors").integer(0, 0, Integer.MAX_VALUE);
            od = new OutlierDetection(c5xx, gw, o.get("interval").duration(Duration.ofSeconds(10)),
                    o.get("baseEjectionTime").duration(Duration.ofSeconds(30)),
                    o.get("maxEjectionPercent").integer(10, 0, 100));
            if (o.has("splitExternalLocalOriginErrors") || o.has("consecutiveLocalOriginFailures")
                    || o.has("minHealthPercent")) {
                run.diagnostics.add(Diagnostic.warning(where, o.path(), "splitExternalLocalOriginErrors,"
                        + " consecutiveLocalOriginFailures and minHealthPercent are not supported; ignored"));
            }
        }
        UpstreamTls tls = tls(run, eff.get("tls"), b, where, pool.protocol());
        if (tls == null && b.protocol() == IstioProtocol.HTTPS && eff.get("tls").missing()) {
            run.diagnostics.add(Diagnostic.warning(b.provenance(), "spec.ports", "port " + b.port() + " of "
                    + b.host() + " is HTTPS but no DestinationRule originates TLS; HTTP routes to it send plain"
                    + " HTTP (add a DestinationRule with tls.mode SIMPLE, or route it with a tls route)"));
        }
        return new Cluster(name, endpoints, b.resolution(), pool.protocol(), lb, pool.connectTimeout(),
                pool.idleTimeout(), pool.limits(), od, null, tls, where.withRule(field));
    }

    private LoadBalancer loadBalancer(Run run, Node lb, Provenance where) {
        if (lb.missing()) {
            return LoadBalancer.ROUND_ROBIN;
        }
        if (lb.has("simple")) {
            String simple = lb.get("simple").string();
            return switch (simple) {
                case "ROUND_ROBIN", "UNSPECIFIED" -> LoadBalancer.ROUND_ROBIN;
                case "LEAST_REQUEST", "LEAST_CONN" -> new LoadBalancer(LoadBalancer.Policy.LEAST_REQUEST, List.of());
                case "RANDOM" -> new LoadBalancer(LoadBalancer.Policy.RANDOM, List.of());
                case "PASSTHROUGH" -> throw lb.get("simple").error("PASSTHROUGH (forward to the original"
                        + " destination) cannot be expressed by a gateway");
                default -> throw lb.get("simple").error("'" + simple
                        + "' (expected: ROUND_ROBIN, LEAST_REQUEST, RANDOM)");
            };
        }
        Node ch = lb.get("consistentHash");
        if (ch.missing()) {
            return LoadBalancer.ROUND_ROBIN;
        }
        List<HashPolicy> hash = new ArrayList<>();
        if (ch.has("httpHeaderName")) {
            hash.add(new HashPolicy(HashPolicy.Kind.HEADER, ch.get("httpHeaderName").string(), null, null));
        } else if (ch.has("httpCookie")) {
            Node c = ch.get("httpCookie");
            hash.add(new HashPolicy(HashPolicy.Kind.COOKIE, c.get("name").string(), c.get("ttl").duration(null),
                    c.get("path").string(null)));
        } else if (ch.get("useSourceIp").bool(false)) {
            hash.add(new HashPolicy(HashPolicy.Kind.SOURCE_IP, "", null, null));
        } else if (ch.has("httpQueryParameterName")) {
            hash.add(new HashPolicy(HashPolicy.Kind.QUERY_PARAMETER, ch.get("httpQueryParameterName").string(), null,
                    null));
        } else {
            throw ch.error("names no hash key (expected: httpHeaderName, httpCookie, useSourceIp or"
                    + " httpQueryParameterName)");
        }
        if (ch.has("minimumRingSize") || ch.get("ringHash").has("minimumRingSize")) {
            run.diagnostics.add(Diagnostic.warning(where, ch.path(), "minimumRingSize is fixed by the engine"
                    + " (1024 points per weight unit); ignored"));
        }
        return new LoadBalancer(ch.has("maglev") ? LoadBalancer.Policy.MAGLEV : LoadBalancer.Policy.RING_HASH, hash);
    }

    private UpstreamTls tls(Run run, Node t, BaseCluster b, Provenance where, Cluster.UpstreamProtocol protocol) {
        if (t.missing()) {
            return null;
        }
        String mode = t.get("mode").string("DISABLE");
        switch (mode) {
            case "DISABLE":
                return null;
            case "ISTIO_MUTUAL":
                throw t.get("mode").error("ISTIO_MUTUAL needs the mesh's workload certificates, which Tidegate"
                        + " does not have (expected: DISABLE, SIMPLE or MUTUAL)");
            case "SIMPLE":
            case "MUTUAL":
                break;
            default:
                throw t.get("mode").error("'" + mode + "' (expected: DISABLE, SIMPLE or MUTUAL)");
        }
        String ca = null;
        String cert = null;
        String key = null;
        if (t.has("credentialName")) {
            String ns = where.object().substring(where.object().indexOf(' ') + 1, where.object().indexOf('/'));
            String secretName = t.get("credentialName").string();
            Secret s = run.secrets.get(ns + "/" + secretName);
            if (s == null) {
                throw t.get("credentialName").error("Secret " + ns + "/" + secretName + " not found");
            }
            Map<String, String> data = secretData(s);
            ca = first(data, "ca.crt", "cacert");
            cert = data.get("tls.crt") != null ? data.get("tls.crt") : data.get("cert");
            key = data.get("tls.key") != null ? data.get("tls.key") : data.get("key");
        } else {
            if (t.has("caCertificates")) {
                ca = read(t.get("caCertificates"));
            }
            if (t.has("clientCertificate")) {
                cert = read(t.get("clientCertificate"));
            }
            if (t.has("privateKey")) {
                key = read(t.get("privateKey"));
            }
        }
        if (mode.equals("SIMPLE")) {
            cert = null;
            key = null;
        } else if (cert == null || key == null) {
            throw t.error("MUTUAL needs a client certificate and key (clientCertificate and privateKey, or"
                    + " credentialName)");
        }
        boolean skip = t.get("insecureSkipVerify").bool(false);
        String sni = t.get("sni").string(b.resolution() == Cluster.Resolution.DNS || b.host().indexOf('*') < 0
                ? b.host() : null);
        // HTTP/2 over TLS is negotiated by ALPN (h2), as Istio's clusters offer it for HTTP/2 ports.
        List<String> alpn = protocol == Cluster.UpstreamProtocol.HTTP2 ? List.of("h2") : List.of();
        return new UpstreamTls(sni, ca, !skip, cert, key, alpn, t.get("subjectAltNames").strings());
    }

    private String read(Node path) {
        try {
            return files.apply(path.string());
        } catch (RuntimeException e) {
            throw path.error("cannot read " + path.string() + ": " + e.getMessage());
        }
    }

    private static String first(Map<String, String> data, String a, String b) {
        return data.get(a) != null ? data.get(a) : data.get(b);
    }

    static Map<String, String> secretData(Secret s) {
        Map<String, String> out = new LinkedHashMap<>();
        if (s.getData() != null) {
            s.getData().forEach((k, v) -> out.put(k, new String(Base64.getMimeDecoder().decode(v),
                    StandardCharsets.UTF_8)));
        }
        if (s.getStringData() != null) {
            out.putAll(s.getStringData());
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------ Gateway

    private void gateway(Run run, GenericKubernetesResource gw) {
        Node spec = spec(gw);
        Provenance where = prov(gw);
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

    private GatewayServer server(Run run, GenericKubernetesResource gw, Node server, Provenance where) {
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
            serverCertificate(run, gw, server, mode, hosts, where);
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
    private static GatewayServer.Kind serverKind(Run run, Node server, IstioProtocol protocol, String mode, Provenance where) {
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

    /**
     * The certificate an HTTPS server serves for its hosts, from its {@code credentialName} Secret. MUTUAL and
     * OPTIONAL_MUTUAL carry the client CA Istio reads for that credential ({@code ca.crt} or {@code cacert}
     * in the Secret, else the separate {@code <credentialName>-cacert} Secret), so the kernel verifies
     * client certificates for handshakes whose SNI selects it, whatever the listener's {@code clientAuth}.
     * Such a server without its certificate or CA is rejected: serving it without client verification would
     * let in what Istio refuses.
     */
    private void serverCertificate(Run run, GenericKubernetesResource gw, Node server, String mode, List<String> hosts,
                                   Provenance where) {
        Node tls = server.get("tls");
        Certificate.ClientAuth auth = "MUTUAL".equals(mode) ? Certificate.ClientAuth.REQUIRE
                : "OPTIONAL_MUTUAL".equals(mode) ? Certificate.ClientAuth.OPTIONAL : Certificate.ClientAuth.NONE;
        boolean mutual = auth != Certificate.ClientAuth.NONE;
        if (!tls.has("credentialName")) {
            if (mutual) {
                throw tls.get("credentialName").error("is required for " + mode + " (file-mounted serverCertificate"
                        + " and caCertificates are not read)");
            }
            if (tls.has("serverCertificate")) {
                run.diagnostics.add(Diagnostic.warning(where, server.path() + ".tls.serverCertificate",
                        "file-mounted certificates are not read; use credentialName"));
            }
            return;
        }
        Node credential = tls.get("credentialName");
        String secretName = credential.string();
        String secretKey = ns(gw) + "/" + secretName;
        Secret secret = run.secrets.get(secretKey);
        Map<String, String> data = secret == null ? Map.of() : secretData(secret);
        String crt = first(data, "tls.crt", "cert");
        String key = first(data, "tls.key", "key");
        if (crt == null || key == null) {
            String missing = "Secret " + secretKey + (secret == null ? " not found" : " has no tls.crt and tls.key");
            if (mutual) {
                throw credential.error(missing + "; a " + mode + " server is not served without its certificate");
            }
            run.diagnostics.add(Diagnostic.warning(where, server.path() + ".tls.credentialName", missing
                    + "; no certificate for " + hosts + " until it does"));
            return;
        }
        String ca = null;
        if (mutual) {
            // Each narrows the clients Istio accepts; ignoring one would let in clients Istio refuses.
            for (String narrowing : List.of("subjectAltNames", "verifyCertificateSpki", "verifyCertificateHash")) {
                if (tls.has(narrowing)) {
                    throw tls.get(narrowing).error("is not supported on Gateway servers (client certificates are"
                            + " verified against the CA only)");
                }
            }
            ca = first(data, "ca.crt", "cacert");
            String crl = data.get("ca.crl");
            Secret separate = run.secrets.get(secretKey + "-cacert");
            if (ca == null && separate != null) {
                Map<String, String> caData = secretData(separate);
                ca = first(caData, "ca.crt", "cacert");
                crl = caData.get("ca.crl");
            }
            if (crl != null) {
                throw credential.error("Secret " + secretKey + " has a ca.crl; revocation lists are not supported"
                        + " (clients it revokes would be let in)");
            }
            if (ca == null) {
                throw credential.error(mode + " needs a CA to verify client certificates: Secret " + secretKey
                        + " has no ca.crt or cacert, and there is no Secret " + secretKey + "-cacert with one");
            }
        }
        // One certificate per Secret and mode: a SIMPLE and a MUTUAL server may share a credential.
        String cname = mutual ? secretKey + " (" + mode + ")" : secretKey;
        Certificate old = run.certificates.get(cname);
        Set<String> sni = new java.util.TreeSet<>(old == null ? List.of() : old.serverNames());
        hosts.stream().map(IstioHosts::bareHost).filter(h -> !h.equals("*")).forEach(sni::add);
        Certificate cert = new Certificate(cname, List.copyOf(sni), crt, key, Provenance.of(source, "Secret "
                + secretKey));
        run.certificates.put(cname, mutual ? cert.withClientAuth(ca, auth) : cert);
    }

    // ------------------------------------------------------------------------------------------ VirtualService

    private void virtualService(Run run, GenericKubernetesResource vs, Map<String, GenericKubernetesResource> rules) {
        Node spec = spec(vs);
        Provenance where = prov(vs);
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
                httpRule(run, vs, rule, bound, routeHostList, rules);
            } catch (Node.Invalid e) {
                run.diagnostics.add(Diagnostic.error(where.withRule(rule.path()), e.field, e.getMessage()
                        + "; http rule rejected"));
            }
        }
        for (GatewayServer.Kind kind : List.of(GatewayServer.Kind.TLS, GatewayServer.Kind.TCP)) {
            for (Node rule : spec.get(kind == GatewayServer.Kind.TLS ? "tls" : "tcp").items()) {
                try {
                    tcpRules.rule(ns(vs) + "/" + vs.getMetadata().getName(), where, kind, rule, bound, hosts,
                            (r, at, notes, consequence) -> destinations(run, vs, r, rules, at, notes, consequence),
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
    private List<GatewayServer> meshServers(Run run, Node spec, Provenance where, String field) {
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

    /**
     * Resolves {@code route[].destination}s as Istio does (see {@link #resolve}); a rule whose destinations
     * are all {@code selfHosts} is the implicit mesh hop, mixing them with others is an error.
     */
    private RouteDestinations destinations(Run run, GenericKubernetesResource vs, Node rule,
                                           Map<String, GenericKubernetesResource> rules, Provenance where,
                                           List<Diagnostic> notes, String consequence) {
        List<WeightedCluster> dests = new ArrayList<>();
        List<Node> items = rule.get("route").items();
        boolean unresolved = false;
        int selfCount = 0;
        boolean noWeights = items.stream().noneMatch(x -> x.has("weight"));
        for (Node d : items) {
            Node dest = d.get("destination");
            String host = qualify(dest.get("host").string(), ns(vs));
            if (selfHosts.contains(host)) {
                selfCount++;
                continue;
            }
            String cluster = resolve(run, dest, host, rules, where, notes, consequence);
            if (cluster == null) {
                unresolved = true;
                continue;
            }
            int weight = noWeights ? 1 : d.get("weight").integer(0, 0, 100);
            dests.add(new WeightedCluster(cluster, weight, headerEdits(d.get("headers").get("request")),
                    headerEdits(d.get("headers").get("response"))));
            run.referenced.add(cluster);
        }
        if (selfCount > 0 && selfCount != items.size()) {
            throw rule.get("route").error("mixes destinations that are this gateway with others");
        }
        return new RouteDestinations(dests, unresolved, selfCount > 0);
    }

    private void httpRule(Run run, GenericKubernetesResource vs, Node rule, Map<String, List<GatewayServer>> bound,
                          List<String> hosts, Map<String, GenericKubernetesResource> rules) {
        Provenance where = prov(vs).withRule(rule.path());
        String base = ns(vs) + "/" + vs.getMetadata().getName() + "/" + rule.path().substring("spec.".length());
        String ruleName = rule.get("name").string(null);
        if (rule.has("delegate")) {
            throw rule.get("delegate").error("delegate VirtualServices are not supported");
        }
        // The action, shared by every match of the rule.
        RouteAction action;
        int kinds = (rule.has("route") ? 1 : 0) + (rule.has("redirect") ? 1 : 0) + (rule.has("directResponse") ? 1 : 0);
        if (kinds != 1) {
            throw rule.error(kinds == 0 ? "has no route, redirect or directResponse"
                    : "has more than one of route, redirect, directResponse");
        }
        List<Diagnostic> notes = new ArrayList<>();
        boolean toSelf = false;
        if (rule.has("route")) {
            RouteDestinations d = destinations(run, vs, rule, rules, where, notes, "requests get 503");
            toSelf = d.toSelf();
            action = (d.unresolved() || d.clusters().isEmpty()) && !toSelf
                    ? new RouteAction.DirectResponse(503, "no healthy upstream", List.of())
                    : d.clusters().isEmpty() ? null : new RouteAction.Forward(d.clusters());
        } else if (rule.has("redirect")) {
            action = redirect(rule.get("redirect"));
        } else {
            Node dr = rule.get("directResponse");
            int status = dr.get("status").integer(0, 200, 599);
            String body = dr.get("body").get("string").string("");
            if (dr.get("body").has("bytes")) {
                body = new String(Base64.getDecoder().decode(dr.get("body").get("bytes").string()),
                        StandardCharsets.UTF_8);
            }
            action = new RouteAction.DirectResponse(status, body, List.of());
        }
        if (toSelf) {
            run.diagnostics.add(new Diagnostic(Diagnostic.Severity.INFO, where, rule.path() + ".route",
                    "the destination is this gateway (selfHosts): the mesh hop to it is implicit; rule skipped"));
            return;
        }
        List<MirrorPolicy> mirrors = Mirrors.of(rule, ns(vs), selfHosts, where, notes,
                (dest, host, n, consequence) -> resolve(run, dest, host, rules, where, n, consequence));
        mirrors.forEach(m -> run.referenced.add(m.cluster()));
        run.diagnostics.addAll(notes);
        Route.Builder proto = Route.builder(base, where).action(action);
        if (rule.has("rewrite")) {
            Node rw = rule.get("rewrite");
            if (!(action instanceof RouteAction.Forward)) {
                throw rw.error("rewrite needs a route destination");
            }
        }
        proto.timeouts(new Timeouts(rule.get("timeout").duration(null), null));
        proto.retries(retries(run, rule.get("retries"), where));
        proto.fault(fault(rule.get("fault")));
        proto.cors(cors(rule.get("corsPolicy")));
        proto.requestHeaders(headerEdits(rule.get("headers").get("request")));
        proto.responseHeaders(headerEdits(rule.get("headers").get("response")));
        if (action instanceof RouteAction.Forward) {
            mirrors.forEach(proto::addMirror);
        }
        Map<String, String> meta = ruleName == null ? Map.of() : Map.of("istio.rule", ruleName);
        Route prototype = proto.build();
        List<Node> matches = rule.get("match").items();
        if (matches.isEmpty()) {
            matches = List.of(new Node(Map.of(), rule.path() + ".match[0]"));
        }
        for (int j = 0; j < matches.size(); j++) {
            Node m = matches.get(j);
            try {
                Set<String> ls = listenersFor(m, bound);
                if (ls.isEmpty()) {
                    continue;
                }
                Route.Builder b = prototype.toBuilder().name(matches.size() == 1 && !rule.has("match") ? base
                        : base + "/match[" + j + "]").listeners(ls).metadata(meta);
                PathMatch path = pathMatch(m);
                if (path == null && rule.get("rewrite").has("uri")) {
                    path = PathMatch.prefix("/"); // Istio: without a uri match, the matched prefix is "/"
                }
                b.match(new RouteMatch(hosts, null, path, methods(m), headerMatches(m), queryMatches(m)));
                if (rule.has("rewrite")) {
                    b.rewrite(rewrite(rule.get("rewrite"), path));
                }
                Route r = b.build();
                if (run.routeNames.add(r.name())) {
                    run.routes.add(r);
                }
            } catch (Node.Invalid e) {
                run.diagnostics.add(Diagnostic.error(where, e.field, e.getMessage() + "; match rejected"));
            }
        }
    }

    private Set<String> listenersFor(Node m, Map<String, List<GatewayServer>> bound) {
        Set<String> out = new LinkedHashSet<>();
        GatewayServer.keptBy(m, bound, GatewayServer.Kind.HTTP).forEach(s -> out.addAll(s.listeners()));
        Set<String> kept = ports.onPort(m, out);
        GatewayServer.rejectWorkloadMatches(m);
        return kept;
    }

    /** The cluster a destination names, or null with an error in {@code notes} ending in {@code consequence}. */
    private String resolve(Run run, Node dest, String host, Map<String, GenericKubernetesResource> rules,
                           Provenance where, List<Diagnostic> notes, String consequence) {
        List<BaseCluster> se = run.seHosts.get(host);
        String subset = dest.get("subset").string(null);
        int port = dest.get("port").get("number").integer(0, 1, 65535);
        String cluster;
        if (se != null) {
            if (port == 0) {
                if (se.size() != 1) {
                    throw dest.get("port").error("is required: host " + host + " has ports "
                            + se.stream().map(BaseCluster::port).toList());
                }
                port = se.get(0).port();
            }
            int p = port;
            if (se.stream().noneMatch(b -> b.port() == p)) {
                notes.add(Diagnostic.error(where, dest.path() + ".port", "host " + host + " has no port " + port
                        + "; " + consequence));
                return null;
            }
            cluster = host + ":" + port;
        } else if (host.endsWith(IstioHosts.SVC_SUFFIX)) {
            if (port == 0) {
                throw dest.get("port").error("is required for Kubernetes Service " + host
                        + " (its clusters are named by port)");
            }
            cluster = host + ":" + port; // published by the kubernetes source (cross-source reference)
            if (subset != null) {
                notes.add(Diagnostic.error(where, dest.path() + ".subset", "subsets of Kubernetes Services need pod"
                        + " labels: give this source the Service, its EndpointSlices and Pods (kubernetesServices:"
                        + " true); " + consequence));
                return null;
            }
            return cluster;
        } else {
            notes.add(Diagnostic.error(where, dest.path() + ".host", "host " + host + " is neither a ServiceEntry"
                    + " host nor a Kubernetes Service; " + consequence));
            return null;
        }
        if (subset != null) {
            GenericKubernetesResource dr = rules.get(host);
            boolean defined = dr != null && spec(dr).get("subsets").items().stream()
                    .anyMatch(s -> subset.equals(s.get("name").string(null)));
            if (!defined) {
                notes.add(Diagnostic.error(where, dest.path() + ".subset", "no DestinationRule defines subset "
                        + subset + " of " + host + "; " + consequence));
                return null;
            }
            return subsetCluster(cluster, subset);
        }
        return cluster;
    }

    private static RouteAction.Redirect redirect(Node r) {
        int status = r.get("redirectCode").integer(301, 300, 399);
        String scheme = r.get("scheme").string(null);
        String authority = r.get("authority").string(null);
        Integer port = null;
        if (r.has("port")) {
            port = r.get("port").integer(0, 1, 65535);
        } else if (r.has("derivePort")) {
            String d = r.get("derivePort").string();
            port = switch (d) {
                case "FROM_PROTOCOL_DEFAULT" -> 0;
                case "FROM_REQUEST_PORT" -> null;
                default -> throw r.get("derivePort").error("'" + d
                        + "' (expected: FROM_PROTOCOL_DEFAULT or FROM_REQUEST_PORT)");
            };
        }
        try {
            return new RouteAction.Redirect(scheme, authority, port, r.get("uri").string(null), null, status, false);
        } catch (IllegalArgumentException e) {
            throw r.get("redirectCode").error(e.getMessage());
        }
    }

    private static PathRewrite rewrite(Node rw, PathMatch path) {
        String authority = rw.get("authority").string(null);
        if (rw.has("uriRegexRewrite")) {
            if (rw.has("uri")) {
                throw rw.error("uri and uriRegexRewrite are exclusive");
            }
            Node rr = rw.get("uriRegexRewrite");
            return new PathRewrite(null, null, rr.get("match").string(), rr.get("rewrite").string(), authority);
        }
        String uri = rw.get("uri").string(null);
        if (uri == null) {
            return authority == null ? null : PathRewrite.authority(authority);
        }
        return switch (path.kind()) {
            case PREFIX, SEGMENT_PREFIX -> new PathRewrite(uri, null, null, null, authority);
            default -> new PathRewrite(null, uri, null, null, authority);
        };
    }

    private static PathMatch pathMatch(Node m) {
        Node uri = m.get("uri");
        if (uri.missing()) {
            return null;
        }
        boolean ic = m.get("ignoreUriCase").bool(false);
        StringMatch s = stringMatch(uri);
        return switch (s.kind()) {
            case EXACT -> new PathMatch(PathMatch.Kind.EXACT, s.value(), ic);
            case PREFIX -> new PathMatch(PathMatch.Kind.PREFIX, s.value(), ic);
            case REGEX -> new PathMatch(PathMatch.Kind.REGEX, s.value(), ic);
            default -> throw uri.error("expected one of exact, prefix, regex");
        };
    }

    private static Set<String> methods(Node m) {
        return Set.of();
    }

    private static List<HeaderMatch> headerMatches(Node m) {
        List<HeaderMatch> out = new ArrayList<>();
        for (String pseudo : List.of("scheme", "method", "authority")) {
            if (m.has(pseudo)) {
                out.add(new HeaderMatch(":" + pseudo, stringMatch(m.get(pseudo)), false));
            }
        }
        m.get("headers").entries().forEach((name, v) -> out.add(new HeaderMatch(name.toLowerCase(Locale.ROOT),
                v.entries().isEmpty() ? StringMatch.present() : stringMatch(v), false)));
        m.get("withoutHeaders").entries().forEach((name, v) -> out.add(new HeaderMatch(name.toLowerCase(Locale.ROOT),
                v.entries().isEmpty() ? StringMatch.present() : stringMatch(v), true)));
        return out;
    }

    private static List<QueryMatch> queryMatches(Node m) {
        List<QueryMatch> out = new ArrayList<>();
        m.get("queryParams").entries().forEach((name, v) -> out.add(new QueryMatch(name,
                v.entries().isEmpty() ? StringMatch.present() : stringMatch(v))));
        return out;
    }

    static StringMatch stringMatch(Node n) {
        Map<String, Node> e = n.entries();
        if (e.size() != 1) {
            throw n.error("expected exactly one of exact, prefix, regex");
        }
        var only = e.entrySet().iterator().next();
        String v = only.getValue().string();
        return switch (only.getKey()) {
            case "exact" -> StringMatch.exact(v);
            case "prefix" -> StringMatch.prefix(v);
            case "regex" -> StringMatch.regex(v);
            default -> throw only.getValue().error("'" + only.getKey() + "' (expected: exact, prefix or regex)");
        };
    }

    private static HeaderEdits headerEdits(Node n) {
        if (n.missing()) {
            return HeaderEdits.NONE;
        }
        List<HeaderValue> set = new ArrayList<>();
        n.get("set").stringMap().forEach((k, v) -> set.add(new HeaderValue(k, v)));
        List<HeaderValue> add = new ArrayList<>();
        n.get("add").stringMap().forEach((k, v) -> add.add(new HeaderValue(k, v)));
        return new HeaderEdits(set, add, n.get("remove").strings());
    }

    private RetryPolicy retries(Run run, Node r, Provenance where) {
        if (r.missing()) {
            return ISTIO_DEFAULT_RETRIES;
        }
        int attempts = r.get("attempts").integer(0, 0, 100);
        if (attempts == 0) {
            return null;
        }
        Set<String> on = new LinkedHashSet<>();
        Set<Integer> codes = new LinkedHashSet<>();
        List<String> dropped = new ArrayList<>();
        String retryOn = r.get("retryOn").string("connect-failure,refused-stream,unavailable,cancelled,"
                + "retriable-status-codes");
        for (String c : retryOn.split(",")) {
            String t = c.trim();
            if (t.isEmpty()) {
                continue;
            }
            if (t.chars().allMatch(Character::isDigit)) {
                codes.add(Integer.parseInt(t));
                on.add("retriable-status-codes");
            } else if (Set.of("5xx", "gateway-error", "connect-failure", "reset", "refused-stream",
                    "retriable-status-codes").contains(t)) {
                on.add(t);
            } else {
                dropped.add(t);
            }
        }
        if (on.contains("retriable-status-codes") && codes.isEmpty()) {
            codes.add(503);
        }
        if (!dropped.isEmpty() && !dropped.stream().allMatch(d -> d.equals("unavailable") || d.equals("cancelled"))) {
            run.diagnostics.add(Diagnostic.warning(where, r.path() + ".retryOn", "conditions " + dropped
                    + " are not supported (gRPC and retriable-4xx ones); ignored"));
        }
        return new RetryPolicy(attempts, r.get("perTryTimeout").duration(null), on, codes, null);
    }

    private static FaultPolicy fault(Node f) {
        if (f.missing()) {
            return null;
        }
        Duration delay = null;
        double delayPct = 0;
        Integer abort = null;
        double abortPct = 0;
        Node d = f.get("delay");
        if (!d.missing()) {
            delay = d.get("fixedDelay").duration(null);
            if (delay == null) {
                throw d.get("fixedDelay").error("is required (exponentialDelay is not supported)");
            }
            delayPct = percent(d);
        }
        Node a = f.get("abort");
        if (!a.missing()) {
            if (!a.has("httpStatus")) {
                throw a.error("needs httpStatus (grpcStatus and http2Error are not supported)");
            }
            abort = a.get("httpStatus").integer(0, 200, 599);
            abortPct = percent(a);
        }
        if (delay == null && abort == null) {
            throw f.error("has neither delay nor abort");
        }
        return new FaultPolicy(delay, delayPct, abort, abortPct);
    }

    /** {@code percentage.value}, else the legacy integer {@code percent}; 100 when neither is given. */
    private static double percent(Node n) {
        if (n.has("percentage")) {
            double v = n.get("percentage").get("value").number(0);
            if (v < 0 || v > 100) {
                throw n.get("percentage").get("value").error(v + " (expected: 0 to 100)");
            }
            return v;
        }
        return n.get("percent").integer(100, 0, 100);
    }

    private static CorsPolicy cors(Node c) {
        if (c.missing()) {
            return null;
        }
        List<StringMatch> origins = new ArrayList<>();
        for (Node o : c.get("allowOrigins").items()) {
            origins.add(stringMatch(o));
        }
        for (String o : c.get("allowOrigin").strings()) {
            origins.add(o.equals("*") ? StringMatch.regex(".*") : StringMatch.exact(o));
        }
        return new CorsPolicy(origins, c.get("allowMethods").strings(), c.get("allowHeaders").strings(),
                c.get("exposeHeaders").strings(), c.get("maxAge").duration(null),
                c.get("allowCredentials").bool(false));
    }

    // ------------------------------------------------------------------------------------------ helpers

    private Provenance prov(HasMetadata o) {
        return Provenance.of(source, o.getKind() + " " + ns(o) + "/" + o.getMetadata().getName());
    }

    static String ns(HasMetadata o) {
        String ns = o.getMetadata().getNamespace();
        return ns == null ? "default" : ns;
    }

    static Node spec(GenericKubernetesResource o) {
        return new Node(o.getAdditionalProperties().get("spec"), "spec");
    }
}
