package io.tidegate.plugins.kubernetes;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes the Gateway API status conditions the translation computed (GatewayClass Accepted; Gateway
 * Accepted, Programmed and per-listener attachedRoutes; HTTPRoute Accepted and ResolvedRefs per parent,
 * keeping other controllers' entries). Leader only; writes only what changed (a condition keeps its
 * lastTransitionTime while it holds).
 */
final class GatewayStatusWriter {

    private final KubernetesClient client;
    private final String controller;
    private final Clock clock;
    private final System.Logger log;

    GatewayStatusWriter(KubernetesClient client, String controller, Clock clock, System.Logger log) {
        this.client = client;
        this.controller = controller;
        this.clock = clock;
        this.log = log;
    }

    void write(List<GatewayTranslator.Status> statuses) {
        Map<HasMetadata, List<GatewayTranslator.Status>> routes = new java.util.IdentityHashMap<>();
        for (GatewayTranslator.Status s : statuses) {
            try {
                if (s.object() instanceof GatewayClass c) {
                    GatewayClass copy = Serialization.clone(c);
                    GatewayClassStatus st = copy.getStatus() == null ? new GatewayClassStatus() : copy.getStatus();
                    List<Condition> before = st.getConditions();
                    st.setConditions(conditions(s.conditions(), before, c.getMetadata().getGeneration()));
                    if (!same(before, st.getConditions())) {
                        copy.setStatus(st);
                        client.resources(GatewayClass.class).resource(copy).updateStatus();
                    }
                } else if (s.object() instanceof Gateway g) {
                    Gateway copy = Serialization.clone(g);
                    GatewayStatus st = copy.getStatus() == null ? new GatewayStatus() : copy.getStatus();
                    String before = Serialization.asJson(st);
                    st.setConditions(conditions(s.conditions(), st.getConditions(), g.getMetadata().getGeneration()));
                    Map<String, ListenerStatus> old = new HashMap<>();
                    if (st.getListeners() != null) {
                        st.getListeners().forEach(l -> old.put(l.getName(), l));
                    }
                    List<ListenerStatus> listeners = new ArrayList<>();
                    s.listeners().forEach((name, state) -> {
                        ListenerStatus l = new ListenerStatus();
                        l.setName(name);
                        l.setAttachedRoutes(state.attachedRoutes());
                        List<RouteGroupKind> kinds = new ArrayList<>();
                        for (String k : state.supportedKinds()) {
                            RouteGroupKind kind = new RouteGroupKind();
                            kind.setGroup(GatewayTranslator.GROUP);
                            kind.setKind(k);
                            kinds.add(kind);
                        }
                        l.setSupportedKinds(kinds);
                        l.setConditions(conditions(state.conditions(),
                                old.containsKey(name) ? old.get(name).getConditions() : null,
                                g.getMetadata().getGeneration()));
                        listeners.add(l);
                    });
                    st.setListeners(listeners);
                    if (!before.equals(Serialization.asJson(st))) {
                        copy.setStatus(st);
                        client.resources(Gateway.class).inNamespace(g.getMetadata().getNamespace()).resource(copy)
                                .updateStatus();
                    }
                } else if (RouteStatuses.supports(s.object())) {
                    routes.computeIfAbsent(s.object(), k -> new ArrayList<>()).add(s);
                }
            } catch (RuntimeException e) {
                log.log(Level.WARNING, "cannot write status of " + s.object().getKind() + " "
                        + s.object().getMetadata().getName() + ": " + e.getMessage());
            }
        }
        routes.forEach((object, mine) -> {
            try {
                HasMetadata copy = Serialization.clone(object);
                List<RouteParentStatus> before = RouteStatuses.parents(copy);
                String was = Serialization.asJson(before == null ? List.of() : before);
                List<RouteParentStatus> parents = new ArrayList<>();
                Map<String, RouteParentStatus> old = new HashMap<>();
                if (before != null) {
                    for (RouteParentStatus p : before) {
                        if (controller.equals(p.getControllerName())) {
                            old.put(p.getParentRef().getNamespace() + "/" + p.getParentRef().getName(), p);
                        } else {
                            parents.add(p); // another controller's: kept as it is
                        }
                    }
                }
                for (GatewayTranslator.Status s : mine) {
                    RouteParentStatus p = new RouteParentStatus();
                    p.setControllerName(controller);
                    var ref = Serialization.clone(s.parentRef());
                    if (ref.getNamespace() == null) {
                        ref.setNamespace(object.getMetadata().getNamespace());
                    }
                    p.setParentRef(ref);
                    RouteParentStatus prev = old.get(ref.getNamespace() + "/" + ref.getName());
                    p.setConditions(conditions(s.conditions(), prev == null ? null : prev.getConditions(),
                            object.getMetadata().getGeneration()));
                    parents.add(p);
                }
                if (!was.equals(Serialization.asJson(parents))) {
                    RouteStatuses.setParents(copy, parents);
                    client.resource(copy).updateStatus();
                }
            } catch (RuntimeException e) {
                log.log(Level.WARNING, "cannot write status of " + object.getKind() + " "
                        + object.getMetadata().getNamespace() + "/" + object.getMetadata().getName() + ": "
                        + e.getMessage());
            }
        });
    }

    private List<Condition> conditions(List<GatewayTranslator.Condition> wanted, List<Condition> before,
                                       Long generation) {
        List<Condition> out = new ArrayList<>();
        String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
        for (GatewayTranslator.Condition w : wanted) {
            String status = w.status() ? "True" : "False";
            Condition old = before == null ? null : before.stream().filter(c -> w.type().equals(c.getType()))
                    .findFirst().orElse(null);
            boolean unchanged = old != null && status.equals(old.getStatus()) && w.reason().equals(old.getReason())
                    && Objects.equals(w.message(), old.getMessage()) && Objects.equals(generation,
                    old.getObservedGeneration());
            out.add(unchanged ? old : new ConditionBuilder().withType(w.type()).withStatus(status)
                    .withReason(w.reason()).withMessage(w.message()).withObservedGeneration(generation)
                    .withLastTransitionTime(old != null && status.equals(old.getStatus()) ? old.getLastTransitionTime()
                            : now).build());
        }
        return out;
    }

    private static boolean same(List<Condition> a, List<Condition> b) {
        return Objects.equals(a, b);
    }
}
