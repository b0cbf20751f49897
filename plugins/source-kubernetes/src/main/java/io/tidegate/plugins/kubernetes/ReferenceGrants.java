package io.tidegate.plugins.kubernetes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ReferenceGrants of a snapshot, by the namespace they live in (the target's): a reference from an
 * object of one namespace to an object of another is permitted only when a grant in the target namespace
 * lists the referrer's group, kind and namespace in {@code from} and the target's group, kind and (when
 * given) name in {@code to}. References within one namespace need no grant.
 */
final class ReferenceGrants {

    private final Map<String, List<GatewayObjects.Grant>> byNamespace = new HashMap<>();

    ReferenceGrants(List<GatewayObjects.Grant> grants) {
        for (GatewayObjects.Grant g : grants) {
            byNamespace.computeIfAbsent(g.namespace(), k -> new ArrayList<>()).add(g);
        }
    }

    /**
     * Whether {@code fromKind} (group {@code fromGroup}) in {@code fromNamespace} may refer to
     * {@code toKind} {@code toName} (group {@code toGroup}, "" for core) in {@code toNamespace}.
     */
    boolean permits(String fromGroup, String fromKind, String fromNamespace, String toGroup, String toKind,
                    String toNamespace, String toName) {
        if (fromNamespace.equals(toNamespace)) {
            return true;
        }
        for (GatewayObjects.Grant g : byNamespace.getOrDefault(toNamespace, List.of())) {
            boolean from = g.from().stream().anyMatch(f -> f.group().equals(fromGroup) && f.kind().equals(fromKind)
                    && f.namespace().equals(fromNamespace));
            boolean to = g.to().stream().anyMatch(t -> t.group().equals(toGroup) && t.kind().equals(toKind)
                    && (t.name() == null || t.name().equals(toName)));
            if (from && to) {
                return true;
            }
        }
        return false;
    }
}
