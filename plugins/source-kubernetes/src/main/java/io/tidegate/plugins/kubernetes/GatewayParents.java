package io.tidegate.plugins.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.ListenerRole;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Our Gateways' listeners and what attaches to them. Each Gateway API listener is checked once (protocol,
 * TLS mode, route kinds) and bound to the tidegate.yaml listeners of the matching protocol ({@code HTTP} to
 * {@code http}, {@code HTTPS} to {@code https}, {@code TLS} Passthrough to {@code tls-passthrough}, {@code TCP}
 * to {@code tcp}): those on the listener's port, or, when none listens on that port (a Service maps 443 to
 * 8443), every one of that protocol (ingress listeners only). Routes attach through their {@code parentRefs}
 * ({@code sectionName}, {@code port}), subject to {@code allowedRoutes} kinds and namespaces ({@code Same},
 * {@code All}, {@code Selector} on the Namespace's labels).
 */
final class GatewayParents {

    static final String NAME_LABEL = "kubernetes.io/metadata.name";

    /**
     * One Gateway API listener as this build serves it.
     *
     * @param protocol the tidegate.yaml protocol it needs; null: not served (unsupported protocol or mode)
     * @param kinds the route kinds it admits
     * @param tidegate the tidegate.yaml listeners it is bound to; empty: none of its protocol exists
     * @param unsupported why the listener is not accepted ("Reason: message"), or null
     * @param invalidKinds allowedRoutes.kinds naming kinds it cannot serve, or null
     */
    record Bound(String gateway, Gateway object, Listener spec, ListenerProtocol protocol, Set<String> kinds,
                 Set<String> tidegate, String unsupported, String invalidKinds) {
    }

    /** Where a route is served: host (null: any) to the tidegate.yaml listeners it is bound to there. */
    record Attachment(Map<String, Set<String>> hosts, boolean accepted) {
    }

    private final Map<String, Gateway> gateways;
    private final Map<String, List<Bound>> listeners = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> namespaceLabels = new HashMap<>();
    private final Map<String, Integer> attached = new HashMap<>();
    private final Map<String, Set<String>> attachedHosts = new HashMap<>();

    GatewayParents(Map<String, Gateway> gateways, List<Namespace> namespaces,
                   List<io.tidegate.spi.model.Listener> tidegateListeners) {
        this.gateways = gateways;
        for (Namespace n : namespaces) {
            Map<String, String> labels = new HashMap<>();
            if (n.getMetadata().getLabels() != null) {
                labels.putAll(n.getMetadata().getLabels());
            }
            namespaceLabels.put(n.getMetadata().getName(), labels);
        }
        gateways.forEach((key, g) -> {
            List<Bound> out = new ArrayList<>();
            for (Listener l : g.getSpec().getListeners() == null ? List.<Listener>of() : g.getSpec().getListeners()) {
                out.add(bind(key, g, l, tidegateListeners));
            }
            listeners.put(key, out);
        });
    }

    private static Bound bind(String key, Gateway g, Listener l, List<io.tidegate.spi.model.Listener> tidegate) {
        String mode = l.getTls() == null || l.getTls().getMode() == null ? "Terminate" : l.getTls().getMode();
        ListenerProtocol protocol = null;
        String kind = null;
        String unsupported = null;
        switch (Objects.toString(l.getProtocol(), "")) {
            case "HTTP" -> {
                protocol = ListenerProtocol.HTTP;
                kind = "HTTPRoute";
            }
            case "HTTPS" -> {
                kind = "HTTPRoute";
                if (mode.equals("Terminate")) {
                    protocol = ListenerProtocol.HTTPS;
                } else {
                    unsupported = "UnsupportedValue: HTTPS listeners terminate TLS (tls.mode " + mode
                            + " is for TLS listeners)";
                }
            }
            case "TLS" -> {
                kind = "TLSRoute";
                if (mode.equals("Passthrough")) {
                    protocol = ListenerProtocol.TLS_PASSTHROUGH;
                } else {
                    unsupported = "UnsupportedValue: TLS listeners with tls.mode " + mode + " are not served by this "
                            + "build (Passthrough is)";
                }
            }
            case "TCP" -> {
                protocol = ListenerProtocol.TCP;
                kind = "TCPRoute";
            }
            default -> unsupported = "UnsupportedProtocol: protocol " + l.getProtocol() + " is not served (expected: "
                    + "HTTP, HTTPS, TLS or TCP)";
        }
        Set<String> kinds = new TreeSet<>();
        String invalidKinds = null;
        List<RouteGroupKind> asked = l.getAllowedRoutes() == null || l.getAllowedRoutes().getKinds() == null
                ? List.of() : l.getAllowedRoutes().getKinds();
        if (asked.isEmpty()) {
            if (kind != null) {
                kinds.add(kind);
            }
        } else {
            for (RouteGroupKind k : asked) {
                String group = k.getGroup() == null ? GatewayTranslator.GROUP : k.getGroup();
                if (group.equals(GatewayTranslator.GROUP) && Objects.equals(k.getKind(), kind)) {
                    kinds.add(kind);
                } else {
                    invalidKinds = "InvalidRouteKinds: " + (group.isEmpty() ? "" : group + "/") + k.getKind()
                            + " is not served on a " + l.getProtocol() + " listener";
                }
            }
        }
        Set<String> bound = new TreeSet<>();
        if (protocol != null) {
            int port = l.getPort() == null ? -1 : l.getPort();
            // Ingress listeners only: a forward proxy (egress) serves no Gateway.
            for (io.tidegate.spi.model.Listener t : tidegate) {
                if (t.role() == ListenerRole.INGRESS && t.protocol() == protocol && t.address().port() == port) {
                    bound.add(t.name());
                }
            }
            if (bound.isEmpty()) {
                for (io.tidegate.spi.model.Listener t : tidegate) {
                    if (t.role() == ListenerRole.INGRESS && t.protocol() == protocol) {
                        bound.add(t.name());
                    }
                }
            }
        }
        return new Bound(key, g, l, protocol, kinds, bound, unsupported, invalidKinds);
    }

    /** The listeners of Gateway {@code key}, in spec order. */
    List<Bound> listeners(String key) {
        return listeners.getOrDefault(key, List.of());
    }

    int attachedRoutes(String gateway, String listener) {
        return attached.getOrDefault(gateway + "#" + listener, 0);
    }

    /** The hostnames routes attached to a listener with (for certificates of listeners without hostname). */
    Set<String> attachedHosts(String gateway, String listener) {
        return attachedHosts.getOrDefault(gateway + "#" + listener, Set.of());
    }

    /**
     * Attaches a route of {@code kind} in namespace {@code ns} through its parent references; adds one status
     * per reference to one of our Gateways (condition Accepted) to {@code statuses}.
     *
     * @param hostnames the route's hostnames (TCPRoute: none)
     */
    Attachment attach(HasMetadata route, String kind, String ns, List<ParentReference> refs, List<String> hostnames,
                      List<GatewayTranslator.Status> statuses, String controller) {
        Map<String, Set<String>> hosts = new LinkedHashMap<>();
        boolean any = false;
        for (ParentReference ref : refs == null ? List.<ParentReference>of() : refs) {
            if (ref.getKind() != null && !ref.getKind().equals("Gateway")
                    || ref.getGroup() != null && !ref.getGroup().equals(GatewayTranslator.GROUP)) {
                continue;
            }
            String gwKey = Backends.key(ref.getNamespace() == null ? ns : ref.getNamespace(), ref.getName());
            Gateway gw = gateways.get(gwKey);
            if (gw == null) {
                continue; // another controller's Gateway, or none: not ours to report on
            }
            String reason = "NoMatchingParent";
            boolean accepted = false;
            for (Bound l : listeners(gwKey)) {
                if (ref.getSectionName() != null && !ref.getSectionName().equals(l.spec().getName())
                        || ref.getPort() != null && !ref.getPort().equals(l.spec().getPort())) {
                    continue;
                }
                if (l.protocol() == null || !l.kinds().contains(kind) || !allowsNamespace(l, ns)) {
                    if (!reason.equals("NoMatchingListenerHostname")) {
                        reason = "NotAllowedByListeners";
                    }
                    continue;
                }
                List<String> h = kind.equals("TCPRoute") ? java.util.Collections.singletonList(null)
                        : GatewayTranslator.intersect(l.spec().getHostname(), hostnames);
                if (h.isEmpty()) {
                    reason = "NoMatchingListenerHostname";
                    continue;
                }
                accepted = true;
                attached.merge(gwKey + "#" + l.spec().getName(), 1, Integer::sum);
                for (String x : h) {
                    hosts.computeIfAbsent(x, k -> new TreeSet<>()).addAll(l.tidegate());
                    if (x != null) {
                        attachedHosts.computeIfAbsent(gwKey + "#" + l.spec().getName(), k -> new TreeSet<>()).add(x);
                    }
                }
            }
            List<GatewayTranslator.Condition> conditions = new ArrayList<>();
            if (accepted) {
                any = true;
                conditions.add(new GatewayTranslator.Condition("Accepted", true, "Accepted", "accepted by "
                        + controller));
            } else {
                conditions.add(new GatewayTranslator.Condition("Accepted", false, reason, "no listener of Gateway "
                        + gwKey + " accepts this " + kind));
            }
            statuses.add(new GatewayTranslator.Status(route, gwKey, ref, conditions, Map.of()));
        }
        // A host with no tidegate.yaml listener of its protocol is not served.
        hosts.values().removeIf(Set::isEmpty);
        return new Attachment(hosts, any);
    }

    private boolean allowsNamespace(Bound l, String routeNamespace) {
        var allowed = l.spec().getAllowedRoutes();
        String from = allowed == null || allowed.getNamespaces() == null || allowed.getNamespaces().getFrom() == null
                ? "Same" : allowed.getNamespaces().getFrom();
        String gwNs = l.object().getMetadata().getNamespace() == null ? "default"
                : l.object().getMetadata().getNamespace();
        return switch (from) {
            case "All" -> true;
            case "Same" -> routeNamespace.equals(gwNs);
            case "Selector" -> matches(allowed.getNamespaces().getSelector(), labels(routeNamespace));
            default -> false;
        };
    }

    /** A Namespace's labels, with the {@code kubernetes.io/metadata.name} label the API server sets on each. */
    private Map<String, String> labels(String namespace) {
        Map<String, String> labels = new HashMap<>(namespaceLabels.getOrDefault(namespace, Map.of()));
        labels.put(NAME_LABEL, namespace);
        return labels;
    }

    /** A Kubernetes label selector; an empty one selects everything, a null one nothing. */
    static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        if (selector.getMatchLabels() != null) {
            for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
                if (!Objects.equals(labels.get(e.getKey()), e.getValue())) {
                    return false;
                }
            }
        }
        for (LabelSelectorRequirement r : selector.getMatchExpressions() == null
                ? List.<LabelSelectorRequirement>of() : selector.getMatchExpressions()) {
            String value = labels.get(r.getKey());
            List<String> values = r.getValues() == null ? List.of() : r.getValues();
            boolean ok = switch (Objects.toString(r.getOperator(), "").toLowerCase(Locale.ROOT)) {
                case "in" -> value != null && values.contains(value);
                case "notin" -> value == null || !values.contains(value);
                case "exists" -> value != null;
                case "doesnotexist" -> value == null;
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Every tidegate.yaml listener a set of hosts is bound to. */
    static Set<String> union(Map<String, Set<String>> hosts) {
        Set<String> out = new LinkedHashSet<>();
        hosts.values().forEach(out::addAll);
        return out;
    }
}
