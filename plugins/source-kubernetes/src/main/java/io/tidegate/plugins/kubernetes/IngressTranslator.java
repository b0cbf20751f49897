package io.tidegate.plugins.kubernetes;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import io.tidegate.spi.model.Certificate;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.HeaderMatch;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.model.HostWildcard;
import io.tidegate.spi.model.Listener;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.MirrorPolicy;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.PathRewrite;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.RouteMatch;
import io.tidegate.spi.model.StringMatch;
import io.tidegate.spi.model.Timeouts;
import io.tidegate.spi.model.UpstreamTls;
import io.tidegate.spi.model.WeightedCluster;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Kubernetes objects in, one {@link Fragment} out: the Ingress v1 semantics of the Kubernetes
 * documentation, the ingress-nginx annotations people use, and a receipt per annotation. Pure and
 * deterministic: equal snapshots give equal fragments (so a relist that changes nothing publishes
 * nothing new).
 *
 * <p>Precedence, as ingress-nginx's server blocks and the Ingress spec define it, is expressed in list
 * order (the kernel takes the first match): exact hosts, then wildcard hosts, then rules without a host;
 * within a host, Exact before Prefix, longer paths first; each named host ends with its own catch-all (the
 * Ingress's defaultBackend, else 404), so a request for a host never falls through to another host's
 * rules; the oldest Ingress's defaultBackend catches everything else.
 */
final class IngressTranslator {

    static final String CLASS_ANNOTATION = "kubernetes.io/ingress.class";
    static final String DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";

    /** The methods nginx treats as idempotent for proxy-next-upstream (all but POST, LOCK and PATCH). */
    static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

    private static final Pattern HOST = Pattern.compile(
            "(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private final String source;
    private final String ingressClass;
    private final String controller;
    private final boolean withoutClass;
    private final Set<String> httpListeners;
    private final Set<String> httpsListeners;
    private final int httpsPort;
    private final String gatewayController;
    private final List<Listener> listeners;

    /** The fragment, the Ingresses it serves (for status and Events), and the Gateway API status to write. */
    record Translation(Fragment fragment, List<Ingress> served, List<GatewayTranslator.Status> gatewayStatuses) {
        Translation(Fragment fragment, List<Ingress> served) {
            this(fragment, served, List.of());
        }
    }

    /**
     * @param listeners the listeners of tidegate.yaml: redirects go from the plain-HTTP ones to the https ones
     *                  (none: ssl-redirect cannot apply), to the first https one's port (443: the scheme's
     *                  default); Gateway API listeners are bound to them
     */
    IngressTranslator(String source, String ingressClass, String controller, boolean withoutClass,
                      List<Listener> listeners) {
        this.source = requireNonNull(source, "source");
        this.ingressClass = requireNonNull(ingressClass, "ingressClass");
        this.controller = requireNonNull(controller, "controller");
        this.withoutClass = withoutClass;
        this.listeners = List.copyOf(listeners);
        Set<String> http = new LinkedHashSet<>();
        Set<String> https = new LinkedHashSet<>();
        int port = 0;
        for (Listener l : listeners) {
            if (l.protocol() == ListenerProtocol.HTTP) {
                http.add(l.name());
            } else if (l.protocol() == ListenerProtocol.HTTPS) {
                https.add(l.name());
                if (port == 0) {
                    port = l.address().port();
                }
            }
        }
        this.httpListeners = Set.copyOf(http);
        this.httpsListeners = Set.copyOf(https);
        this.httpsPort = port == 443 ? 0 : port;
        this.gatewayController = controller;
    }

    // ------------------------------------------------------------------------------------------ class

    /** Whether this install serves the Ingress (IngressClass rules, see docs/source-kubernetes.md). */
    boolean ours(Ingress ingress, Map<String, IngressClass> classes) {
        Map<String, String> annotations = ingress.getMetadata().getAnnotations();
        String legacy = annotations == null ? null : annotations.get(CLASS_ANNOTATION);
        if (legacy != null) {
            return legacy.equals(ingressClass); // the annotation wins over spec, as in ingress-nginx
        }
        String name = ingress.getSpec() == null ? null : ingress.getSpec().getIngressClassName();
        if (name != null) {
            if (!name.equals(ingressClass)) {
                return false;
            }
            IngressClass c = classes.get(name);
            return c == null || c.getSpec() == null || controller.equals(c.getSpec().getController());
        }
        if (withoutClass) {
            return true;
        }
        IngressClass own = classes.get(ingressClass);
        return own != null && own.getSpec() != null && controller.equals(own.getSpec().getController())
                && own.getMetadata().getAnnotations() != null
                && "true".equals(own.getMetadata().getAnnotations().get(DEFAULT_CLASS_ANNOTATION));
    }

    // ------------------------------------------------------------------------------------------ translate

    /** One path of one Ingress, before sorting. */
    private record Entry(String host, PathMatch match, boolean exact, int length, int order, String conflictKey,
                         Ingress ingress, IngressOptions options, String cluster, RouteAction failure,
                         Provenance provenance, String name, String pathValue) {
    }

    private record CanaryEntry(String conflictKey, Ingress ingress, IngressOptions.Canary canary, String cluster,
                               Provenance provenance) {
    }

    Translation translate(Snapshot snapshot) {
        Map<String, IngressClass> classes = new HashMap<>();
        snapshot.ingressClasses().forEach(c -> classes.put(c.getMetadata().getName(), c));
        Map<String, Secret> secrets = new HashMap<>();
        snapshot.secrets().forEach(s -> secrets.put(Backends.key(s.getMetadata().getNamespace(),
                s.getMetadata().getName()), s));
        Backends backends = new Backends(snapshot);
        AnnotationParser parser = new AnnotationParser((ns, name) -> secrets.get(Backends.key(ns, name)),
                !httpsListeners.isEmpty());

        List<Ingress> ours = new ArrayList<>();
        for (Ingress i : snapshot.ingresses()) {
            if (i.getMetadata() != null && i.getMetadata().getName() != null && ours(i, classes)) {
                ours.add(i);
            }
        }
        ours.sort(Comparator.comparing((Ingress i) -> nullToEmpty(i.getMetadata().getCreationTimestamp()))
                .thenComparing(i -> nullToEmpty(i.getMetadata().getNamespace()))
                .thenComparing(i -> i.getMetadata().getName()));

        List<Diagnostic> diagnostics = new ArrayList<>();
        Map<String, Cluster> clusters = new TreeMap<>();
        Map<String, Entry> byKey = new LinkedHashMap<>();
        List<CanaryEntry> canaries = new ArrayList<>();
        Map<String, Entry> hostDefaults = new LinkedHashMap<>();
        Entry globalDefault = null;
        Set<String> tlsHosts = new TreeSet<>();
        Map<String, Certificate> certificates = new TreeMap<>();
        Map<String, List<String>> appRoots = new LinkedHashMap<>(); // host -> [appRoot, ingress]
        Map<String, Cluster> mirrors = new TreeMap<>();
        int order = 0;

        for (Ingress ingress : ours) {
            String ns = ingress.getMetadata().getNamespace() == null ? "default" : ingress.getMetadata().getNamespace();
            String id = ns + "/" + ingress.getMetadata().getName();
            Provenance object = Provenance.of(source, "Ingress " + id);
            AnnotationParser.Result parsed = parser.parse(ingress, object);
            diagnostics.addAll(parsed.receipts());
            IngressOptions opts = parsed.options();
            var spec = ingress.getSpec();
            if (spec == null) {
                diagnostics.add(Diagnostic.error(object, "spec", "missing; Ingress ignored"));
                continue;
            }
            List<String> ruleHosts = new ArrayList<>();
            List<IngressRule> rules = spec.getRules() == null ? List.of() : spec.getRules();
            for (int r = 0; r < rules.size(); r++) {
                IngressRule rule = rules.get(r);
                String host = rule.getHost() == null || rule.getHost().isEmpty() ? null
                        : rule.getHost().toLowerCase(Locale.ROOT);
                if (host != null && (!HOST.matcher(host).matches() || host.matches("[0-9.]+"))) {
                    diagnostics.add(Diagnostic.error(object.withRule("spec.rules[" + r + "]"), "host", "'"
                            + rule.getHost() + "' (expected: a DNS name, or *. followed by one; no IP addresses); "
                            + "rule ignored"));
                    continue;
                }
                if (host != null) {
                    ruleHosts.add(host);
                }
                if (rule.getHttp() == null || rule.getHttp().getPaths() == null) {
                    continue;
                }
                List<HTTPIngressPath> paths = rule.getHttp().getPaths();
                for (int p = 0; p < paths.size(); p++) {
                    HTTPIngressPath path = paths.get(p);
                    Provenance where = object.withRule("spec.rules[" + r + "].http.paths[" + p + "]");
                    Entry e = entry(host, path, opts, ingress, ns, where, id + "/r" + r + "/p" + p, order++,
                            backends, clusters, diagnostics);
                    if (e == null) {
                        continue;
                    }
                    if (opts.canary() != null) {
                        canaries.add(new CanaryEntry(e.conflictKey(), ingress, opts.canary(), e.cluster(), where));
                        continue;
                    }
                    Entry first = byKey.putIfAbsent(e.conflictKey(), e);
                    if (first != null) {
                        diagnostics.add(Diagnostic.warning(where, "path", "host " + (host == null ? "*" : host)
                                + " path " + e.pathValue() + " is also defined by " + first.provenance().object()
                                + ", which is older and wins (ingress-nginx's rule)"));
                    }
                }
            }
            if (opts.canary() != null) {
                continue;
            }
            if (opts.mirror() != null) {
                Cluster m = mirrorCluster(opts.mirror(), object);
                mirrors.putIfAbsent(m.name(), m);
            }
            if (opts.appRoot() != null) {
                for (String h : ruleHosts.isEmpty() ? List.of("*") : ruleHosts) {
                    appRoots.putIfAbsent(h, List.of(opts.appRoot(), id));
                }
            }
            if (spec.getTls() != null) {
                for (int t = 0; t < spec.getTls().size(); t++) {
                    certificate(spec.getTls().get(t), t, ns, object, ruleHosts, secrets, tlsHosts, certificates,
                            diagnostics);
                }
            }
            if (spec.getDefaultBackend() != null) {
                Entry d = defaultEntry(spec.getDefaultBackend(), opts, ingress, ns, object, id, backends, clusters,
                        diagnostics);
                if (d != null) {
                    for (String h : ruleHosts) {
                        hostDefaults.putIfAbsent(h, d);
                    }
                    if (globalDefault == null) {
                        globalDefault = d;
                    } else {
                        diagnostics.add(Diagnostic.warning(object, "spec.defaultBackend", "requests matching no "
                                + "host go to the defaultBackend of " + globalDefault.provenance().object()
                                + ", which is older; this one serves its own hosts only"));
                    }
                }
            }
        }

        // Canaries attach to the main Ingress of the same host and path.
        Map<String, List<CanaryEntry>> canariesOf = new HashMap<>();
        for (CanaryEntry c : canaries) {
            if (!byKey.containsKey(c.conflictKey())) {
                diagnostics.add(Diagnostic.warning(c.provenance(), "metadata.annotations." + AnnotationParser.PREFIX
                        + "canary", "no main Ingress serves the same host and path; canary path ignored"));
                continue;
            }
            List<CanaryEntry> list = canariesOf.computeIfAbsent(c.conflictKey(), k -> new ArrayList<>());
            if (!list.isEmpty()) {
                diagnostics.add(Diagnostic.warning(c.provenance(), "metadata.annotations." + AnnotationParser.PREFIX
                        + "canary", "the path already has a canary (" + list.get(0).provenance().object()
                        + "); ingress-nginx allows one; ignored"));
                continue;
            }
            list.add(c);
        }

        // Host groups: exact hosts, wildcard hosts (longer suffix first), then rules without host.
        Map<String, List<Entry>> groups = new TreeMap<>(IngressTranslator::compareHosts);
        for (Entry e : byKey.values()) {
            groups.computeIfAbsent(e.host() == null ? "*" : e.host(), k -> new ArrayList<>()).add(e);
        }
        for (String h : appRoots.keySet()) {
            groups.computeIfAbsent(h, k -> new ArrayList<>());
        }
        for (String h : hostDefaults.keySet()) {
            groups.computeIfAbsent(h, k -> new ArrayList<>());
        }
        List<Route> routes = new ArrayList<>();
        for (Map.Entry<String, List<Entry>> g : groups.entrySet()) {
            String host = g.getKey();
            List<Entry> entries = new ArrayList<>(g.getValue());
            entries.sort(Comparator.comparing((Entry e) -> !e.exact()).thenComparing(e -> -e.length())
                    .thenComparing(e -> e.match().kind() == PathMatch.Kind.REGEX)
                    .thenComparingInt(Entry::order));
            List<String> appRoot = appRoots.get(host);
            if (appRoot != null) {
                Provenance p = Provenance.of(source, "Ingress " + appRoot.get(1));
                routes.add(Route.builder(appRoot.get(1) + "/app-root/" + host, p)
                        .match(match(host.equals("*") ? null : host, PathMatch.exact("/")))
                        .action(new RouteAction.Redirect(null, null, null, appRoot.get(0), null, 302, false))
                        .build());
            }
            boolean hasRoot = false;
            for (Entry e : entries) {
                hasRoot |= e.match().kind() == PathMatch.Kind.SEGMENT_PREFIX && e.length() == 0
                        || e.match().kind() == PathMatch.Kind.PREFIX && e.pathValue().equals("/");
                List<CanaryEntry> c = canariesOf.get(e.conflictKey());
                routes.addAll(routesFor(e, c == null ? null : c.get(0), tlsHosts));
            }
            if (!host.equals("*") && !hasRoot) {
                Entry d = hostDefaults.get(host);
                Route.Builder b = Route.builder("host-default/" + host, d != null ? d.provenance()
                        : Provenance.of(source, "host " + host)).match(match(host, null));
                if (d != null && d.cluster() != null) {
                    b.forwardTo(d.cluster());
                } else {
                    b.action(new RouteAction.DirectResponse(404, "default backend - 404\n", List.of(
                            new HeaderValue("content-type", "text/plain; charset=utf-8"))));
                }
                routes.add(b.build());
            }
        }
        // Gateway API routes come after the Ingress routes (a host served by both is the Ingress's).
        GatewayTranslator.Result gateway = new GatewayTranslator(source, gatewayController, listeners)
                .translate(snapshot, backends);
        for (Certificate c : gateway.certificates()) {
            Certificate old = certificates.get(c.name());
            if (old == null) {
                certificates.put(c.name(), c);
            } else { // a Secret used by an Ingress and a Gateway listener: one certificate for all its names
                Set<String> names = new TreeSet<>(old.serverNames());
                names.addAll(c.serverNames());
                certificates.put(c.name(), new Certificate(old.name(), List.copyOf(names),
                        old.certificateChainPem(), old.privateKeyPem(), old.provenance()));
            }
        }
        routes.addAll(gateway.routes());
        diagnostics.addAll(gateway.diagnostics());
        gateway.clusters().forEach(c -> clusters.putIfAbsent(c.name(), c));
        // Last: a mirror-target naming a Service's cluster-local name and port mirrors to its pods.
        mirrors.forEach(clusters::putIfAbsent);
        if (globalDefault != null && globalDefault.cluster() != null) {
            routes.add(Route.builder("default-backend", globalDefault.provenance())
                    .forwardTo(globalDefault.cluster()).build());
        }
        return new Translation(new Fragment(routes, gateway.tcpRoutes(), List.copyOf(clusters.values()),
                List.copyOf(certificates.values()), diagnostics), List.copyOf(ours), gateway.statuses());
    }

    /** Exact hosts (alphabetical), then wildcards (longer suffix first), then "*" (no host). */
    private static int compareHosts(String a, String b) {
        int ra = rank(a);
        int rb = rank(b);
        if (ra != rb) {
            return Integer.compare(ra, rb);
        }
        if (ra == 1 && a.length() != b.length()) {
            return Integer.compare(b.length(), a.length());
        }
        return a.compareTo(b);
    }

    private static int rank(String host) {
        return host.equals("*") ? 2 : host.startsWith("*.") ? 1 : 0;
    }

    private RouteMatch match(String host, PathMatch path) {
        return new RouteMatch(host == null ? List.of() : List.of(host), HostWildcard.SINGLE_LABEL, path, Set.of(),
                List.of(), List.of());
    }

    private Entry entry(String host, HTTPIngressPath path, IngressOptions opts, Ingress ingress, String ns,
                        Provenance where, String name, int order, Backends backends, Map<String, Cluster> clusters,
                        List<Diagnostic> diagnostics) {
        String type = path.getPathType();
        String value = path.getPath() == null ? "" : path.getPath();
        if (type == null) {
            diagnostics.add(Diagnostic.error(where, "pathType", "missing (expected: Exact, Prefix or "
                    + "ImplementationSpecific); path ignored"));
            return null;
        }
        PathMatch match;
        boolean exact = false;
        String normalized = value;
        switch (type) {
            case "Exact", "Prefix" -> {
                if (!value.startsWith("/")) {
                    diagnostics.add(Diagnostic.error(where, "path", "'" + value + "' (expected: an absolute path "
                            + "starting with / for pathType " + type + "); path ignored"));
                    return null;
                }
                if (type.equals("Exact")) {
                    match = PathMatch.exact(value);
                    exact = true;
                } else if (opts.regex()) {
                    match = regex(value);
                } else {
                    normalized = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
                    match = PathMatch.segmentPrefix(value);
                }
            }
            case "ImplementationSpecific" -> {
                if (value.isEmpty()) {
                    value = "/";
                    normalized = "/";
                }
                match = opts.regex() ? regex(value) : PathMatch.prefix(value);
            }
            default -> {
                diagnostics.add(Diagnostic.error(where, "pathType", "'" + type + "' (expected: Exact, Prefix or "
                        + "ImplementationSpecific); path ignored"));
                return null;
            }
        }
        String cluster = null;
        RouteAction failure = null;
        IngressBackend backend = path.getBackend();
        if (backend == null || backend.getService() == null) {
            diagnostics.add(Diagnostic.error(where, "backend", backend != null && backend.getResource() != null
                    ? "resource backends are not supported (expected: backend.service); requests get 503"
                    : "backend.service is missing; requests get 503"));
            failure = unavailable("no backend");
        } else if (opts.redirect() == null) { // a redirecting Ingress needs no upstream
            cluster = cluster(backend, opts, ns, where, backends, clusters, diagnostics, "backend");
            if (cluster == null) {
                failure = unavailable("backend cannot be resolved");
            }
        }
        String kind = match.kind() == PathMatch.Kind.EXACT ? "Exact" : match.kind().name();
        String conflictKey = (host == null ? "*" : host) + " " + kind + " " + normalized;
        return new Entry(host, match, exact, normalized.length(), order, conflictKey, ingress, opts, cluster, failure,
                where, name, value);
    }

    private static PathMatch regex(String path) {
        return new PathMatch(PathMatch.Kind.REGEX, "(?:" + path + ").*", true);
    }

    private Entry defaultEntry(IngressBackend backend, IngressOptions opts, Ingress ingress, String ns,
                               Provenance object, String id, Backends backends, Map<String, Cluster> clusters,
                               List<Diagnostic> diagnostics) {
        Provenance where = object.withRule("spec.defaultBackend");
        if (backend.getService() == null) {
            diagnostics.add(Diagnostic.error(where, "", "resource backends are not supported (expected: service)"));
            return null;
        }
        String cluster = cluster(backend, opts, ns, where, backends, clusters, diagnostics, "");
        return cluster == null ? null : new Entry(null, null, false, 0, 0, "", ingress, opts, cluster, null, where,
                id + "/default", "/");
    }

    private String cluster(IngressBackend backend, IngressOptions opts, String ns, Provenance where, Backends backends,
                           Map<String, Cluster> clusters, List<Diagnostic> diagnostics, String field) {
        Backends.Resolved resolved = backends.resolve(ns, backend.getService().getName(),
                backend.getService().getPort(), opts, where);
        if (resolved.problem() != null) {
            diagnostics.add(resolved.fatal() ? Diagnostic.error(where, field + (field.isEmpty() ? "" : ".") + "service",
                    resolved.problem() + "; requests get 503")
                    : Diagnostic.warning(where, field + (field.isEmpty() ? "" : ".") + "service", resolved.problem()));
        }
        Cluster c = resolved.cluster();
        if (c == null) {
            return null;
        }
        Cluster existing = clusters.putIfAbsent(c.name(), c);
        if (existing != null && !sameSettings(existing, c)) {
            diagnostics.add(Diagnostic.warning(where, "metadata.annotations", "cluster " + c.name()
                    + " is shared with " + existing.provenance().object() + ", whose backend-protocol, "
                    + "proxy-ssl-* and proxy-connect-timeout (older) apply"));
        }
        return c.name();
    }

    private static boolean sameSettings(Cluster a, Cluster b) {
        return a.protocol() == b.protocol() && java.util.Objects.equals(a.connectTimeout(), b.connectTimeout())
                && java.util.Objects.equals(a.tls(), b.tls()) && a.loadBalancer().equals(b.loadBalancer());
    }

    /** mirror-target's cluster: its host:port, resolved by DNS (TLS for https, not verified as nginx's default). */
    private static Cluster mirrorCluster(IngressOptions.Mirror m, Provenance provenance) {
        UpstreamTls tls = m.tls() ? new UpstreamTls(m.host(), null, false, null, null, List.of(), List.of()) : null;
        return new Cluster(mirrorName(m), List.of(Endpoint.of(m.host(), m.port())), Cluster.Resolution.DNS,
                Cluster.UpstreamProtocol.HTTP1, null, null, null, null, null, null, tls, provenance);
    }

    private static String mirrorName(IngressOptions.Mirror m) {
        return m.host() + ":" + m.port();
    }

    private static RouteAction unavailable(String why) {
        return new RouteAction.DirectResponse(503, "service unavailable: " + why + "\n",
                List.of(new HeaderValue("content-type", "text/plain; charset=utf-8")));
    }

    private void certificate(IngressTLS tls, int index, String ns, Provenance object, List<String> ruleHosts,
                             Map<String, Secret> secrets, Set<String> tlsHosts, Map<String, Certificate> out,
                             List<Diagnostic> diagnostics) {
        Provenance where = object.withRule("spec.tls[" + index + "]");
        List<String> hosts = new ArrayList<>();
        for (String h : tls.getHosts() == null || tls.getHosts().isEmpty() ? ruleHosts : tls.getHosts()) {
            hosts.add(h.toLowerCase(Locale.ROOT));
        }
        tlsHosts.addAll(hosts);
        if (tls.getSecretName() == null || tls.getSecretName().isEmpty()) {
            diagnostics.add(Diagnostic.warning(where, "secretName", "missing; no certificate for " + hosts));
            return;
        }
        Secret secret = secrets.get(Backends.key(ns, tls.getSecretName()));
        if (secret == null) {
            diagnostics.add(Diagnostic.warning(where, "secretName", "Secret " + ns + "/" + tls.getSecretName()
                    + " not found; no certificate for " + hosts + " until it exists"));
            return;
        }
        Map<String, String> data = SecretData.decode(secret);
        String crt = data.get("tls.crt");
        String key = data.get("tls.key");
        if (!"kubernetes.io/tls".equals(secret.getType()) || crt == null || key == null
                || !crt.contains("-----BEGIN") || !key.contains("-----BEGIN")) {
            diagnostics.add(Diagnostic.warning(where, "secretName", "Secret " + ns + "/" + tls.getSecretName()
                    + " is not a kubernetes.io/tls Secret with PEM tls.crt and tls.key; no certificate for " + hosts));
            return;
        }
        String name = ns + "/" + tls.getSecretName();
        Certificate old = out.get(name);
        Set<String> names = new LinkedHashSet<>(old == null ? List.of() : old.serverNames());
        names.addAll(hosts);
        out.put(name, new Certificate(name, List.copyOf(new TreeSet<>(names)), crt, key,
                Provenance.of(source, "Secret " + name)));
    }

    // ------------------------------------------------------------------------------------------ routes

    private List<Route> routesFor(Entry e, CanaryEntry canary, Set<String> tlsHosts) {
        IngressOptions o = e.options();
        Route.Builder b = Route.builder(e.name(), e.provenance())
                .match(match(e.host(), e.match()))
                .timeouts(new Timeouts(null, o.idleTimeout()))
                .maxRequestBodyBytes(o.maxRequestBodyBytes())
                .cors(o.cors())
                .retries(o.retries())
                .metadata(Map.of("ingress", e.provenance().object().substring("Ingress ".length())));
        o.policies().forEach(b::addPolicy);
        if (o.redirect() != null) {
            // the redirect replaces the whole URL: no rewrite
        } else if (o.rewriteTarget() != null) {
            b.rewrite(new PathRewrite(null, null, "(?i)^(?:" + e.pathValue() + ").*", o.rewriteTarget(),
                    o.upstreamVhost()));
        } else if (o.upstreamVhost() != null) {
            b.rewrite(PathRewrite.authority(o.upstreamVhost()));
        }
        List<Route> out = new ArrayList<>();
        if (o.failClosed() != null) {
            b.action(unavailable("a security annotation of this Ingress cannot be applied"));
        } else if (o.redirect() != null) {
            b.action(o.redirect());
        } else if (e.failure() != null) {
            b.action(e.failure());
        } else {
            b.forwardTo(e.cluster());
            if (o.mirror() != null) {
                b.addMirror(new MirrorPolicy(mirrorName(o.mirror()), 100));
            }
            if (canary != null && canary.cluster() != null) {
                IngressOptions.Canary c = canary.canary();
                Route main = b.build();
                if (c.header() != null) {
                    if (c.headerValue() != null) {
                        out.add(variant(main, "canary-header", c.header(), StringMatch.exact(c.headerValue()),
                                canary.cluster()));
                    } else if (c.headerPattern() != null) {
                        out.add(variant(main, "canary-header", c.header(), StringMatch.regex(c.headerPattern()),
                                canary.cluster()));
                    } else {
                        out.add(variant(main, "canary-header", c.header(), StringMatch.exact("always"),
                                canary.cluster()));
                        out.add(variant(main, "canary-header-never", c.header(), StringMatch.exact("never"),
                                e.cluster()));
                    }
                }
                if (c.cookie() != null) {
                    String cookie = quote(c.cookie());
                    out.add(variant(main, "canary-cookie", "cookie",
                            StringMatch.regex("(?:.*;\\s*)?" + cookie + "=always(?:;.*)?"), canary.cluster()));
                    out.add(variant(main, "canary-cookie-never", "cookie",
                            StringMatch.regex("(?:.*;\\s*)?" + cookie + "=never(?:;.*)?"), e.cluster()));
                }
                if (c.weight() > 0) {
                    b.action(new RouteAction.Forward(List.of(WeightedCluster.of(e.cluster(), c.total() - c.weight()),
                            WeightedCluster.of(canary.cluster(), c.weight()))));
                }
            }
        }
        Route route = b.build();
        out.add(route);
        if (o.nonIdempotentRetries() != null && route.action() instanceof RouteAction.Forward) {
            // nginx retries POST, PATCH and LOCK only when they were never sent: a route for the idempotent
            // methods with the retries, and the route itself (every other method) with connect-failure only.
            List<Route> split = new ArrayList<>();
            for (Route r : out) {
                RouteMatch m = r.match();
                split.add(r.toBuilder().name(r.name() + "/idempotent").match(new RouteMatch(m.hosts(),
                        m.hostWildcard(), m.path(), IDEMPOTENT, m.headers(), m.queryParams())).build());
                split.add(r.toBuilder().retries(o.nonIdempotentRetries()).build());
            }
            out = split;
        }
        boolean redirect = !httpsListeners.isEmpty() && o.redirect() == null
                && (o.forceSslRedirect() || (o.sslRedirect() && e.host() != null && tlsHosts.contains(e.host())));
        if (!redirect) {
            return out;
        }
        // Plain HTTP listeners redirect; https listeners serve.
        List<Route> split = new ArrayList<>();
        for (Route r : out) {
            split.add(Route.builder(r.name() + "/https-redirect", r.provenance()).listeners(httpListeners)
                    .match(r.match())
                    .action(new RouteAction.Redirect("https", null, httpsPort, null, null, 308, false)).build());
            split.add(r.toBuilder().listeners(httpsListeners).build());
        }
        return split;
    }

    private static Route variant(Route main, String suffix, String header, StringMatch value, String cluster) {
        RouteMatch m = main.match();
        List<HeaderMatch> headers = new ArrayList<>(m.headers());
        headers.add(new HeaderMatch(header, value, false));
        return main.toBuilder().name(main.name() + "/" + suffix)
                .match(new RouteMatch(m.hosts(), m.hostWildcard(), m.path(), m.methods(), headers, m.queryParams()))
                .forwardTo(cluster).build();
    }

    /** Escapes RE2 metacharacters. */
    static String quote(String literal) {
        StringBuilder sb = new StringBuilder();
        for (char ch : literal.toCharArray()) {
            if ("\\.+*?()|[]{}^$".indexOf(ch) >= 0) {
                sb.append('\\');
            }
            sb.append(ch);
        }
        return sb.toString();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
