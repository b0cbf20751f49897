package io.tidegate.plugins.istio;

import static io.tidegate.plugins.istio.HttpMatches.headerMatches;
import static io.tidegate.plugins.istio.HttpMatches.methods;
import static io.tidegate.plugins.istio.HttpMatches.pathMatch;
import static io.tidegate.plugins.istio.HttpMatches.queryMatches;
import static io.tidegate.plugins.istio.HttpPolicies.cors;
import static io.tidegate.plugins.istio.HttpPolicies.fault;
import static io.tidegate.plugins.istio.HttpPolicies.headerEdits;
import static io.tidegate.plugins.istio.HttpPolicies.retries;
import static io.tidegate.plugins.istio.IstioObjects.ns;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.MirrorPolicy;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.PathRewrite;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.RouteMatch;
import io.tidegate.spi.model.Timeouts;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * VirtualService {@code http} rules as routes, one per match in list order (first match wins): the action
 * ({@code route} destinations and weights, {@code redirect} or {@code directResponse}), {@code rewrite},
 * {@code mirror}s, and the policies of {@link HttpPolicies}; matches are {@link HttpMatches}'. Follows
 * Istio's <a href="https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute">
 * HTTPRoute reference</a>.
 */
final class HttpRules {

    private final Set<String> selfHosts;
    private final PortListeners ports;
    private final DestinationResolver destinationResolver;

    /**
     * @param selfHosts service hosts that stand for this gateway (mirroring there would loop)
     * @param ports the listeners of tidegate.yaml by port
     */
    HttpRules(Set<String> selfHosts, PortListeners ports, DestinationResolver destinationResolver) {
        this.selfHosts = Set.copyOf(selfHosts);
        this.ports = ports;
        this.destinationResolver = destinationResolver;
    }

    /** One {@code http[i]} rule: a route per match, named after the rule (and the match). */
    void translate(Translation run, GenericKubernetesResource vs, Node rule, Map<String, List<GatewayServer>> bound,
                   List<String> hosts, Map<String, GenericKubernetesResource> rules) {
        Provenance where = run.prov(vs).withRule(rule.path());
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
            RouteDestinations d = destinationResolver.destinations(run, vs, rule, rules, where, notes,
                    "requests get 503");
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
                (dest, host, n, consequence) -> destinationResolver.resolve(run, dest, host, rules, where, n,
                        consequence));
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
}
