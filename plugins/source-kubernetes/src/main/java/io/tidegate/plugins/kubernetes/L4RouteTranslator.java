package io.tidegate.plugins.kubernetes;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendRef;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.TcpRoute;
import io.tidegate.spi.model.WeightedCluster;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * TLSRoutes (on {@code TLS} listeners with {@code tls.mode: Passthrough}) and TCPRoutes (on {@code TCP}
 * listeners) into {@link TcpRoute}s: the route's hostnames (intersected with the listener's) are the SNI
 * names a passthrough connection is chosen by, and its backends are weighted Service clusters, resolved as
 * HTTPRoute backends are (ReferenceGrant for another namespace). A route's first rule is its backends; the
 * specification gives further rules no meaning for these kinds, so they are reported and left out.
 */
final class L4RouteTranslator {

    private final String source;
    private final String controller;

    L4RouteTranslator(String source, String controller) {
        this.source = source;
        this.controller = controller;
    }

    List<TcpRoute> translate(List<GatewayObjects.L4Route> routes, GatewayParents parents, Refs refs,
                             List<GatewayTranslator.Status> statuses) {
        List<GatewayObjects.L4Route> sorted = new ArrayList<>(routes);
        sorted.sort(Comparator.comparing(GatewayObjects.L4Route::created).thenComparing(GatewayObjects.L4Route::id)
                .thenComparing(GatewayObjects.L4Route::kind));
        List<TcpRoute> out = new ArrayList<>();
        List<Diagnostic> diagnostics = refs.diagnostics();
        for (GatewayObjects.L4Route route : sorted) {
            String ns = route.namespace();
            Provenance object = Provenance.of(source, route.kind() + " " + route.id());
            GatewayParents.Attachment at = parents.attach(route.object(), route.kind(), ns, route.parentRefs(),
                    route.hostnames(), statuses, controller);
            if (!at.accepted()) {
                continue;
            }
            String problem = null;
            List<WeightedCluster> targets = new ArrayList<>();
            if (route.rules().isEmpty()) {
                diagnostics.add(Diagnostic.error(object, "spec.rules", "missing (expected: one rule with backendRefs); "
                        + "connections are refused"));
                problem = "BackendNotFound: no rules";
            }
            for (int i = 0; i < route.rules().size(); i++) {
                Provenance where = object.withRule("spec.rules[" + i + "]");
                if (i > 0) {
                    diagnostics.add(Diagnostic.warning(where, "", "only the first rule of a " + route.kind()
                            + " is served (rules have no matches to choose between them); ignored"));
                    continue;
                }
                List<BackendRef> backendRefs = route.rules().get(i);
                for (int b = 0; b < backendRefs.size(); b++) {
                    BackendRef ref = backendRefs.get(b);
                    Refs.Resolved r = refs.service(route.kind(), ns, ref.getGroup(), ref.getKind(), ref.getName(),
                            ref.getNamespace(), ref.getPort(), IngressOptionsDefaults.HTTP, where,
                            "backendRefs[" + b + "]");
                    if (r.problem() != null) {
                        problem = r.problem();
                    }
                    if (r.cluster() != null) {
                        targets.add(WeightedCluster.of(r.cluster(), ref.getWeight() == null ? 1 : ref.getWeight()));
                    }
                }
                if (targets.isEmpty() || targets.stream().allMatch(t -> t.weight() == 0)) {
                    diagnostics.add(Diagnostic.error(where, "backendRefs", "no backend with weight above 0 can be "
                            + "resolved; connections are refused"));
                    problem = problem != null ? problem : "BackendNotFound: no usable backendRefs";
                    targets.clear();
                }
            }
            GatewayTranslator.resolvedRefs(statuses, route.object(), problem);
            if (targets.isEmpty()) {
                continue;
            }
            // One TcpRoute per set of tidegate.yaml listeners, with the SNI names served there.
            Map<Set<String>, List<String>> byListeners = new LinkedHashMap<>();
            Set<Set<String>> anyName = new java.util.HashSet<>();
            at.hosts().forEach((host, listeners) -> {
                List<String> names = byListeners.computeIfAbsent(listeners, k -> new ArrayList<>());
                if (host != null) {
                    names.add(host);
                } else {
                    anyName.add(listeners); // no hostname on either side: every SNI name
                }
            });
            int n = 0;
            for (Map.Entry<Set<String>, List<String>> e : byListeners.entrySet()) {
                String name = route.kind().toLowerCase(Locale.ROOT) + "/" + route.id() + (n++ == 0 ? "" : "/" + n);
                List<String> sni = route.kind().equals("TLSRoute") && !anyName.contains(e.getKey()) ? e.getValue()
                        : List.of();
                out.add(new TcpRoute(name, e.getKey(), sni, targets, null, object.withRule("spec.rules[0]")));
            }
        }
        return out;
    }
}
