package io.tidegate.plugins.kubernetes;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeader;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPQueryParamMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.tidegate.spi.model.Certificate;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.CorsPolicy;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.HeaderEdits;
import io.tidegate.spi.model.HeaderMatch;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.model.HostWildcard;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.MirrorPolicy;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.PathRewrite;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.QueryMatch;
import io.tidegate.spi.model.RetryPolicy;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.RouteMatch;
import io.tidegate.spi.model.StringMatch;
import io.tidegate.spi.model.TcpRoute;
import io.tidegate.spi.model.Timeouts;
import io.tidegate.spi.model.WeightedCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gateway API ({@code gateway.networking.k8s.io}) GatewayClass, Gateway, HTTPRoute, TLSRoute, TCPRoute and
 * ReferenceGrant in; routes, TCP routes, listener certificates and the status conditions to write back out.
 * Pure, like {@link IngressTranslator}. Listener binding and attachment are {@link GatewayParents}', backend
 * references {@link Refs}', TLSRoute/TCPRoute {@link L4RouteTranslator}'s, certificates
 * {@link ListenerCertificates}'.
 *
 * <p>Precedence is the specification's: per hostname (exact hostnames, then wildcards, longer first,
 * then routes without hostname), Exact path before PathPrefix, longer prefix first, then a method match,
 * more header matches, more query matches, then the oldest route, then namespace/name, then rule order.
 */
final class GatewayTranslator {

    static final String GROUP = "gateway.networking.k8s.io";
    private static final Pattern GEP_DURATION = Pattern.compile("((\\d+)h)?((\\d+)m)?((\\d+)s)?((\\d+)ms)?");

    private final String source;
    private final String controller;
    private final List<io.tidegate.spi.model.Listener> tidegateListeners;

    /**
     * @param tidegateListeners the listeners of tidegate.yaml, which Gateway API listeners are bound to
     */
    GatewayTranslator(String source, String controller, List<io.tidegate.spi.model.Listener> tidegateListeners) {
        this.source = requireNonNull(source, "source");
        this.controller = requireNonNull(controller, "controller");
        this.tidegateListeners = List.copyOf(tidegateListeners);
    }

    /** A condition to write: type, status, reason, message. */
    record Condition(String type, boolean status, String reason, String message) {
    }

    /** A Gateway listener's status: attached routes, the route kinds it supports, its conditions. */
    record ListenerState(int attachedRoutes, List<String> supportedKinds, List<Condition> conditions) {
    }

    /**
     * The conditions one object should show; for a route, per parent reference ({@code parent}); for a
     * Gateway, per listener ({@code listeners}, by name).
     */
    record Status(HasMetadata object, String parent, ParentReference parentRef, List<Condition> conditions,
                  Map<String, ListenerState> listeners) {

        Map<String, Integer> attachedRoutes() {
            Map<String, Integer> out = new LinkedHashMap<>();
            listeners.forEach((k, v) -> out.put(k, v.attachedRoutes()));
            return out;
        }
    }

    record Result(List<Route> routes, List<TcpRoute> tcpRoutes, List<Cluster> clusters,
                  List<Certificate> certificates, List<Diagnostic> diagnostics, List<Status> statuses) {
    }

    private record Draft(String host, Route route, int pathRank, int pathLength, boolean method, int headers,
                         int queries, String age, String id, int rule, int match) {
    }

    Result translate(Snapshot snapshot, Backends backends) {
        List<Diagnostic> diagnostics = new ArrayList<>();
        List<Status> statuses = new ArrayList<>();
        Map<String, Cluster> clusters = new TreeMap<>();
        Map<String, GatewayClass> classes = new TreeMap<>();
        for (GatewayClass c : snapshot.gatewayClasses()) {
            if (c.getSpec() != null && controller.equals(c.getSpec().getControllerName())) {
                classes.put(c.getMetadata().getName(), c);
                statuses.add(new Status(c, null, null, List.of(new Condition("Accepted", true, "Accepted",
                        "handled by " + controller)), Map.of()));
            }
        }
        Map<String, Gateway> gateways = new TreeMap<>();
        for (Gateway g : snapshot.gateways()) {
            if (g.getSpec() != null && classes.containsKey(g.getSpec().getGatewayClassName())) {
                gateways.put(Backends.key(g.getMetadata().getNamespace(), g.getMetadata().getName()), g);
            }
        }
        GatewayParents parents = new GatewayParents(gateways, snapshot.namespaces(), tidegateListeners);
        ReferenceGrants grants = new ReferenceGrants(snapshot.referenceGrants());
        Refs refs = new Refs(grants, backends, clusters, diagnostics);

        List<HTTPRoute> routes = new ArrayList<>(snapshot.httpRoutes());
        routes.sort(Comparator.comparing((HTTPRoute r) -> nullToEmpty(r.getMetadata().getCreationTimestamp()))
                .thenComparing(r -> nullToEmpty(r.getMetadata().getNamespace()))
                .thenComparing(r -> r.getMetadata().getName()));
        List<Draft> drafts = new ArrayList<>();
        for (HTTPRoute route : routes) {
            String ns = route.getMetadata().getNamespace() == null ? "default" : route.getMetadata().getNamespace();
            String id = ns + "/" + route.getMetadata().getName();
            Provenance object = Provenance.of(source, "HTTPRoute " + id);
            if (route.getSpec() == null || route.getSpec().getParentRefs() == null) {
                continue;
            }
            GatewayParents.Attachment at = parents.attach(route, "HTTPRoute", ns, route.getSpec().getParentRefs(),
                    route.getSpec().getHostnames(), statuses, controller);
            if (at.hosts().isEmpty()) {
                continue;
            }
            List<HTTPRouteRule> rules = route.getSpec().getRules() == null ? List.of() : route.getSpec().getRules();
            String refsProblem = null;
            for (int i = 0; i < rules.size(); i++) {
                HTTPRouteRule rule = rules.get(i);
                Provenance where = object.withRule("spec.rules[" + i + "]");
                String problem = ruleRoutes(rule, i, ns, id, where, route, at.hosts(), refs, diagnostics, drafts);
                if (problem != null && refsProblem == null) {
                    refsProblem = problem;
                }
            }
            resolvedRefs(statuses, route, refsProblem);
        }

        List<TcpRoute> tcpRoutes = new L4RouteTranslator(source, controller).translate(snapshot.l4Routes(), parents,
                refs, statuses);
        ListenerCertificates certificates = new ListenerCertificates(source, snapshot.secrets(), grants);
        for (Map.Entry<String, Gateway> e : gateways.entrySet()) {
            gatewayStatus(e.getKey(), e.getValue(), parents, certificates, diagnostics, statuses);
        }

        // Sort into the specification's precedence.
        drafts.sort(Comparator.comparingInt((Draft d) -> hostRank(d.host())).thenComparing(d -> d.host() == null
                        ? 0 : -d.host().length()).thenComparing(d -> nullToEmpty(d.host()))
                .thenComparingInt(Draft::pathRank).thenComparingInt(d -> -d.pathLength())
                .thenComparing(d -> !d.method()).thenComparingInt(d -> -d.headers()).thenComparingInt(d -> -d.queries())
                .thenComparing(Draft::age).thenComparing(Draft::id).thenComparingInt(Draft::rule)
                .thenComparingInt(Draft::match));
        List<Route> out = new ArrayList<>();
        String lastHost = "";
        for (Draft d : drafts) {
            if (!nullToEmpty(d.host()).equals(lastHost) && !lastHost.isEmpty()) {
                out.add(catchAll(lastHost));
            }
            lastHost = nullToEmpty(d.host());
            out.add(d.route());
        }
        if (!lastHost.isEmpty()) {
            out.add(catchAll(lastHost));
        }
        return new Result(out, tcpRoutes, List.copyOf(clusters.values()), certificates.certificates(), diagnostics,
                statuses);
    }

    /** ResolvedRefs goes on every accepted parent status of a route. */
    static void resolvedRefs(List<Status> statuses, HasMetadata route, String refsProblem) {
        for (int s = 0; s < statuses.size(); s++) {
            Status st = statuses.get(s);
            if (st.object() == route && st.conditions().get(0).status()) {
                List<Condition> c = new ArrayList<>(st.conditions());
                c.add(refsProblem == null ? new Condition("ResolvedRefs", true, "ResolvedRefs", "all references resolved")
                        : new Condition("ResolvedRefs", false, refsProblem.substring(0, refsProblem.indexOf(':')),
                                refsProblem.substring(refsProblem.indexOf(':') + 2)));
                statuses.set(s, new Status(st.object(), st.parent(), st.parentRef(), c, Map.of()));
            }
        }
    }

    /** A Gateway's status, its listeners' conditions, and the certificates of its HTTPS listeners. */
    private void gatewayStatus(String key, Gateway g, GatewayParents parents, ListenerCertificates certificates,
                               List<Diagnostic> diagnostics, List<Status> statuses) {
        Provenance object = Provenance.of(source, "Gateway " + key);
        Map<String, ListenerState> states = new LinkedHashMap<>();
        boolean programmed = false;
        for (GatewayParents.Bound l : parents.listeners(key)) {
            String field = "spec.listeners[" + l.spec().getName() + "]";
            List<Condition> conditions = new ArrayList<>();
            String refsProblem = l.invalidKinds();
            if (refsProblem != null) {
                diagnostics.add(Diagnostic.warning(object, field + ".allowedRoutes.kinds",
                        refsProblem.substring(refsProblem.indexOf(':') + 2)));
            }
            boolean served = false;
            if (l.unsupported() != null) {
                String why = l.unsupported();
                diagnostics.add(Diagnostic.warning(object, field + (why.startsWith("UnsupportedProtocol")
                        ? ".protocol" : ".tls.mode"), why.substring(why.indexOf(':') + 2)));
                conditions.add(new Condition("Accepted", false, why.substring(0, why.indexOf(':')),
                        why.substring(why.indexOf(':') + 2)));
                conditions.add(new Condition("Programmed", false, "Invalid", "not served"));
            } else {
                conditions.add(new Condition("Accepted", true, "Accepted", l.spec().getProtocol() + " listener"));
                String certProblem = null;
                if (l.protocol() == ListenerProtocol.HTTPS) {
                    certProblem = certificates.add(key, l, parents.attachedHosts(key, l.spec().getName()),
                            object, field, diagnostics);
                    if (certProblem != null && refsProblem == null) {
                        refsProblem = certProblem;
                    }
                }
                if (l.tidegate().isEmpty()) {
                    String name = l.protocol().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
                    diagnostics.add(Diagnostic.warning(object, field + ".protocol", "tidegate.yaml has no " + name
                            + " listener; not served"));
                    conditions.add(new Condition("Programmed", false, "Invalid", "tidegate.yaml has no " + name
                            + " listener"));
                } else if (certProblem != null) {
                    conditions.add(new Condition("Programmed", false, "Invalid", "no certificate can be served"));
                } else {
                    served = true;
                    conditions.add(new Condition("Programmed", true, "Programmed", "served on " + l.tidegate()));
                }
            }
            conditions.add(refsProblem == null ? new Condition("ResolvedRefs", true, "ResolvedRefs", "resolved")
                    : new Condition("ResolvedRefs", false, refsProblem.substring(0, refsProblem.indexOf(':')),
                            refsProblem.substring(refsProblem.indexOf(':') + 2)));
            programmed |= served;
            states.put(l.spec().getName(), new ListenerState(parents.attachedRoutes(key, l.spec().getName()),
                    List.copyOf(l.kinds()), conditions));
        }
        statuses.add(new Status(g, null, null, List.of(
                new Condition("Accepted", true, "Accepted", "accepted by " + controller),
                new Condition("Programmed", programmed, programmed ? "Programmed" : "Invalid",
                        programmed ? "served by tidegate.yaml's listeners" : "no listener can be served")), states));
    }

    /** A hostname's routes end here: a request for it never falls through to less specific hostnames. */
    private Route catchAll(String host) {
        return Route.builder("httproute-host-default/" + host, Provenance.of(source, "hostname " + host))
                .match(new RouteMatch(List.of(host), HostWildcard.ANY_LABELS, null, Set.of(), List.of(), List.of()))
                .action(new RouteAction.DirectResponse(404, "no route\n",
                        List.of(new HeaderValue("content-type", "text/plain; charset=utf-8")))).build();
    }

    private static int hostRank(String host) {
        return host == null ? 2 : host.startsWith("*.") ? 1 : 0;
    }

    /** The hostnames a route gets on a listener (null: any host); empty: none in common. */
    static List<String> intersect(String listener, List<String> route) {
        String l = listener == null || listener.isEmpty() ? null : listener.toLowerCase(Locale.ROOT);
        List<String> out = new ArrayList<>();
        if (route == null || route.isEmpty()) {
            out.add(l);
            return out;
        }
        for (String r0 : route) {
            String r = r0.toLowerCase(Locale.ROOT);
            if (l == null || covers(l, r)) {
                out.add(r);
            } else if (covers(r, l)) {
                out.add(l);
            }
        }
        return out;
    }

    /** Whether pattern {@code p} covers every host {@code h} stands for. */
    private static boolean covers(String p, String h) {
        if (p.equals(h)) {
            return true;
        }
        if (p.startsWith("*.")) {
            String suffix = p.substring(1);
            return h.endsWith(suffix) && h.length() > suffix.length();
        }
        return false;
    }

    /** Builds the drafts of one rule; returns a ResolvedRefs problem ("Reason: message") or null. */
    private String ruleRoutes(HTTPRouteRule rule, int i, String ns, String id, Provenance where, HTTPRoute route,
                              Map<String, Set<String>> hosts, Refs refs, List<Diagnostic> diagnostics,
                              List<Draft> drafts) {
        String problem = null;
        IngressOptions options = SessionPersistenceOptions.of(rule.getSessionPersistence(), where, diagnostics);
        // Backends: one that cannot be resolved loses its share (with none left, the rule answers 500).
        List<WeightedCluster> targets = new ArrayList<>();
        List<HTTPBackendRef> backendRefs = rule.getBackendRefs() == null ? List.of() : rule.getBackendRefs();
        for (int b = 0; b < backendRefs.size(); b++) {
            HTTPBackendRef ref = backendRefs.get(b);
            String field = "backendRefs[" + b + "]";
            if (ref.getFilters() != null && !ref.getFilters().isEmpty()) {
                diagnostics.add(Diagnostic.warning(where, field + ".filters", "backend filters are not supported "
                        + "by this build; ignored"));
            }
            Refs.Resolved r = refs.service("HTTPRoute", ns, ref.getGroup(), ref.getKind(), ref.getName(),
                    ref.getNamespace(), ref.getPort(), options, where, field);
            if (r.problem() != null) {
                problem = r.problem();
            }
            if (r.cluster() != null) {
                targets.add(WeightedCluster.of(r.cluster(), ref.getWeight() == null ? 1 : ref.getWeight()));
            }
        }
        RouteAction action;
        if (targets.isEmpty() || targets.stream().allMatch(t -> t.weight() == 0)) {
            action = new RouteAction.DirectResponse(500, "no backend\n", List.of());
        } else {
            action = new RouteAction.Forward(targets);
        }

        // Filters.
        HeaderEdits request = HeaderEdits.NONE;
        HeaderEdits response = HeaderEdits.NONE;
        PathRewrite rewrite = null;
        RouteAction.Redirect redirect = null;
        String rewritePrefix = null;
        CorsPolicy cors = null;
        List<MirrorPolicy> mirrors = new ArrayList<>();
        List<HTTPRouteFilter> filters = rule.getFilters() == null ? List.of() : rule.getFilters();
        for (int f = 0; f < filters.size(); f++) {
            HTTPRouteFilter filter = filters.get(f);
            String field = "filters[" + f + "]";
            switch (nullToEmpty(filter.getType())) {
                case "RequestHeaderModifier" -> request = edits(filter.getRequestHeaderModifier());
                case "ResponseHeaderModifier" -> response = edits(filter.getResponseHeaderModifier());
                case "RequestRedirect" -> {
                    var rr = filter.getRequestRedirect();
                    String path = null;
                    String prefix = null;
                    if (rr.getPath() != null) {
                        path = rr.getPath().getReplaceFullPath();
                        prefix = rr.getPath().getReplacePrefixMatch();
                    }
                    Integer port = rr.getPort() != null ? rr.getPort() : rr.getScheme() != null ? Integer.valueOf(0)
                            : null;
                    int code = rr.getStatusCode() == null ? 302 : rr.getStatusCode();
                    redirect = new RouteAction.Redirect(rr.getScheme(), rr.getHostname(), port, path, prefix, code,
                            false);
                }
                case "URLRewrite" -> {
                    var u = filter.getUrlRewrite();
                    String full = u.getPath() == null ? null : u.getPath().getReplaceFullPath();
                    rewritePrefix = u.getPath() == null ? null : u.getPath().getReplacePrefixMatch();
                    rewrite = new PathRewrite(rewritePrefix, full, null, null, u.getHostname());
                }
                case "RequestMirror" -> {
                    Mirror m = mirror(filter.getRequestMirror(), ns, refs, where, field, diagnostics);
                    if (m.policy() != null) {
                        mirrors.add(m.policy());
                    }
                    if (m.problem() != null && problem == null) {
                        problem = m.problem();
                    }
                }
                case "CORS" -> cors = cors(filter.getCors(), where, field, diagnostics);
                default -> {
                    diagnostics.add(Diagnostic.error(where, field, "filter " + filter.getType() + " is not "
                            + "supported; the rule answers 500, as the specification requires"));
                    action = new RouteAction.DirectResponse(500, "unsupported filter\n", List.of());
                    redirect = null;
                }
            }
        }
        if (redirect != null) {
            action = redirect;
        }
        Duration requestTimeout = null;
        Duration perTry = null;
        if (rule.getTimeouts() != null) {
            if (rule.getTimeouts().getRequest() != null) {
                requestTimeout = duration(rule.getTimeouts().getRequest());
                if (requestTimeout == null) {
                    diagnostics.add(Diagnostic.error(where, "timeouts.request", "'" + rule.getTimeouts().getRequest()
                            + "' (expected: a Gateway API duration such as 10s, 1m30s, 500ms)"));
                }
            }
            if (rule.getTimeouts().getBackendRequest() != null) {
                perTry = duration(rule.getTimeouts().getBackendRequest());
                if (perTry == null) {
                    diagnostics.add(Diagnostic.error(where, "timeouts.backendRequest", "'"
                            + rule.getTimeouts().getBackendRequest() + "' (expected: a Gateway API duration)"));
                } else if (rule.getRetry() == null) {
                    diagnostics.add(Diagnostic.warning(where, "timeouts.backendRequest", "applies only with retry "
                            + "(as the per-try timeout); without it the request timeout applies"));
                }
            }
        }
        RetryPolicy retries = null;
        if (rule.getRetry() != null) {
            var rt = rule.getRetry();
            int attempts = rt.getAttempts() == null ? 1 : Math.max(0, rt.getAttempts());
            Set<String> on = new java.util.TreeSet<>(Set.of("connect-failure"));
            Set<Integer> codes = new java.util.TreeSet<>(rt.getCodes() == null ? List.of() : rt.getCodes());
            if (!codes.isEmpty()) {
                on.add("retriable-status-codes");
            }
            Duration backoff = null;
            if (rt.getBackoff() != null) {
                backoff = duration(rt.getBackoff());
                if (backoff == null) {
                    diagnostics.add(Diagnostic.warning(where, "retry.backoff", "'" + rt.getBackoff()
                            + "' (expected: a Gateway API duration); 25ms is used"));
                }
            }
            if (perTry != null && codes.contains(504)) {
                // A try timed out is a 504; the kernel retries per-try timeouts under gateway-error only.
                on.add("gateway-error");
                if (!codes.containsAll(List.of(502, 503))) {
                    diagnostics.add(Diagnostic.warning(where, "retry.codes", "approximated: with backendRequest, "
                            + "504 retries timed-out tries under the kernel's gateway-error, which retries 502 and "
                            + "503 answers too"));
                }
            }
            retries = new RetryPolicy(attempts, perTry, on, codes, backoff);
        }

        List<HTTPRouteMatch> matches = rule.getMatches() == null || rule.getMatches().isEmpty()
                ? List.of(new HTTPRouteMatch()) : rule.getMatches();
        for (int m = 0; m < matches.size(); m++) {
            HTTPRouteMatch match = matches.get(m);
            Provenance at = where.withRule("spec.rules[" + i + "].matches[" + m + "]");
            String type = match.getPath() == null || match.getPath().getType() == null ? "PathPrefix"
                    : match.getPath().getType();
            String value = match.getPath() == null || match.getPath().getValue() == null ? "/"
                    : match.getPath().getValue();
            PathMatch path = switch (type) {
                case "Exact" -> PathMatch.exact(value);
                case "RegularExpression" -> PathMatch.regex(value);
                default -> PathMatch.segmentPrefix(value);
            };
            int rank = switch (type) {
                case "Exact" -> 0;
                case "RegularExpression" -> 2;
                default -> 1;
            };
            if ((rewritePrefix != null || redirect != null && redirect.prefixRewrite() != null)
                    && path.kind() != PathMatch.Kind.SEGMENT_PREFIX) {
                diagnostics.add(Diagnostic.error(at, "path", "ReplacePrefixMatch needs a PathPrefix match; "
                        + "match ignored"));
                continue;
            }
            List<HeaderMatch> headers = new ArrayList<>();
            for (HTTPHeaderMatch h : match.getHeaders() == null ? List.<HTTPHeaderMatch>of() : match.getHeaders()) {
                headers.add(new HeaderMatch(h.getName(), "RegularExpression".equals(h.getType())
                        ? StringMatch.regex(h.getValue()) : StringMatch.exact(h.getValue()), false));
            }
            List<QueryMatch> queries = new ArrayList<>();
            for (HTTPQueryParamMatch q : match.getQueryParams() == null ? List.<HTTPQueryParamMatch>of()
                    : match.getQueryParams()) {
                queries.add(new QueryMatch(q.getName(), "RegularExpression".equals(q.getType())
                        ? StringMatch.regex(q.getValue()) : StringMatch.exact(q.getValue())));
            }
            Set<String> methods = match.getMethod() == null ? Set.of() : Set.of(match.getMethod());
            for (Map.Entry<String, Set<String>> bound : hosts.entrySet()) {
                String host = bound.getKey();
                String name = "httproute/" + id + "/r" + i + "/m" + m + (host == null ? "" : "/" + host);
                Route.Builder rb = Route.builder(name, at).listeners(bound.getValue());
                if (action instanceof RouteAction.Forward) {
                    mirrors.forEach(rb::addMirror);
                }
                Route r = rb
                        .match(new RouteMatch(host == null ? List.of() : List.of(host), HostWildcard.ANY_LABELS,
                                path, methods, headers, queries))
                        .action(action)
                        .rewrite(redirect != null ? null : rewrite)
                        .requestHeaders(request)
                        .responseHeaders(response)
                        .timeouts(new Timeouts(requestTimeout, null))
                        .retries(action instanceof RouteAction.Forward ? retries : null)
                        .cors(cors)
                        .metadata(Map.of("httproute", id))
                        .build();
                drafts.add(new Draft(host, r, rank, value.endsWith("/") && value.length() > 1
                        ? value.length() - 1 : value.length(), !methods.isEmpty(), headers.size(), queries.size(),
                        nullToEmpty(route.getMetadata().getCreationTimestamp()), id, i, m));
            }
        }
        return problem;
    }

    /** A RequestMirror filter: its backend (resolved as backendRefs are) at percent or fraction (default 100%). */
    /** A RequestMirror filter's mirror (null: none) and its ResolvedRefs problem (null: none). */
    private record Mirror(MirrorPolicy policy, String problem) {
    }

    private static Mirror mirror(io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRequestMirrorFilter f,
                                       String ns, Refs refs, Provenance where, String field,
                                       List<Diagnostic> diagnostics) {
        if (f == null || f.getBackendRef() == null) {
            diagnostics.add(Diagnostic.error(where, field + ".requestMirror.backendRef", "missing; not mirrored"));
            return new Mirror(null, null);
        }
        double percent = 100;
        if (f.getPercent() != null) {
            percent = f.getPercent();
        } else if (f.getFraction() != null && f.getFraction().getNumerator() != null) {
            int denominator = f.getFraction().getDenominator() == null ? 100 : f.getFraction().getDenominator();
            if (denominator <= 0) {
                diagnostics.add(Diagnostic.error(where, field + ".requestMirror.fraction.denominator", denominator
                        + " (expected: > 0); not mirrored"));
                return new Mirror(null, null);
            }
            percent = 100.0 * f.getFraction().getNumerator() / denominator;
        }
        if (percent < 0 || percent > 100) {
            diagnostics.add(Diagnostic.error(where, field + ".requestMirror", "mirrors " + percent
                    + "% (expected: 0-100); not mirrored"));
            return new Mirror(null, null);
        }
        var ref = f.getBackendRef();
        Refs.Resolved r = refs.service("HTTPRoute", ns, ref.getGroup(), ref.getKind(), ref.getName(),
                ref.getNamespace(), ref.getPort(), IngressOptionsDefaults.HTTP, where,
                field + ".requestMirror.backendRef");
        return new Mirror(r.cluster() == null ? null : new MirrorPolicy(r.cluster(), percent), r.problem());
    }

    /** The Gateway API CORS filter (GEP-1767): origins echoed, credentials as given, max age 5s by default. */
    private static CorsPolicy cors(io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPCORSFilter f, Provenance where,
                                   String field, List<Diagnostic> diagnostics) {
        if (f == null) {
            diagnostics.add(Diagnostic.warning(where, field, "CORS filter without cors settings; ignored"));
            return null;
        }
        List<StringMatch> origins = new ArrayList<>();
        for (String o : f.getAllowOrigins() == null ? List.<String>of() : f.getAllowOrigins()) {
            if (o.equals("*")) {
                origins.add(StringMatch.regex(".*"));
            } else if (o.contains("*")) {
                // "https://*.example.com": the wildcard stands for one or more host labels
                StringBuilder re = new StringBuilder();
                String[] parts = o.split("\\*", -1);
                for (int p = 0; p < parts.length; p++) {
                    if (p > 0) {
                        re.append("[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*");
                    }
                    re.append(IngressTranslator.quote(parts[p]));
                }
                origins.add(new StringMatch(StringMatch.Kind.REGEX, re.toString(), true));
            } else {
                origins.add(new StringMatch(StringMatch.Kind.EXACT, o, true));
            }
        }
        if (origins.isEmpty()) {
            diagnostics.add(Diagnostic.warning(where, field + ".cors.allowOrigins", "empty: no origin is allowed; "
                    + "the filter has no effect"));
            return null;
        }
        return new CorsPolicy(origins, f.getAllowMethods() == null ? List.of() : f.getAllowMethods(),
                f.getAllowHeaders() == null ? List.of() : f.getAllowHeaders(),
                f.getExposeHeaders() == null ? List.of() : f.getExposeHeaders(),
                Duration.ofSeconds(f.getMaxAge() == null ? 5 : f.getMaxAge()), Boolean.TRUE.equals(f.getAllowCredentials()));
    }

    private static HeaderEdits edits(HTTPHeaderFilter f) {
        if (f == null) {
            return HeaderEdits.NONE;
        }
        List<HeaderValue> set = new ArrayList<>();
        List<HeaderValue> add = new ArrayList<>();
        for (HTTPHeader h : f.getSet() == null ? List.<HTTPHeader>of() : f.getSet()) {
            set.add(new HeaderValue(h.getName(), h.getValue()));
        }
        for (HTTPHeader h : f.getAdd() == null ? List.<HTTPHeader>of() : f.getAdd()) {
            add.add(new HeaderValue(h.getName(), h.getValue()));
        }
        return new HeaderEdits(set, add, f.getRemove() == null ? List.of() : f.getRemove());
    }

    /** A Gateway API duration (GEP-2257): 1h, 10m, 30s, 500ms and combinations; null when invalid. */
    static Duration duration(String text) {
        Matcher m = GEP_DURATION.matcher(text);
        if (text.isEmpty() || !m.matches()) {
            return null;
        }
        Duration d = Duration.ZERO;
        if (m.group(2) != null) {
            d = d.plusHours(Long.parseLong(m.group(2)));
        }
        if (m.group(4) != null) {
            d = d.plusMinutes(Long.parseLong(m.group(4)));
        }
        if (m.group(6) != null) {
            d = d.plusSeconds(Long.parseLong(m.group(6)));
        }
        if (m.group(8) != null) {
            d = d.plusMillis(Long.parseLong(m.group(8)));
        }
        return d;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
