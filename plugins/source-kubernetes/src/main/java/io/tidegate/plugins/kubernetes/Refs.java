package io.tidegate.plugins.kubernetes;

import io.fabric8.kubernetes.api.model.networking.v1.ServiceBackendPort;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Provenance;
import java.util.List;
import java.util.Map;

/**
 * Gateway API backend references (route {@code backendRefs}, a {@code RequestMirror}'s {@code backendRef})
 * resolved into clusters: kind Service only, {@code port} required, and a reference to another namespace
 * only when a ReferenceGrant there permits it. Each problem is a diagnostic naming the field and a
 * ResolvedRefs reason ({@code "Reason: message"}).
 */
final class Refs {

    private final ReferenceGrants grants;
    private final Backends backends;
    private final Map<String, Cluster> clusters;
    private final List<Diagnostic> diagnostics;

    Refs(ReferenceGrants grants, Backends backends, Map<String, Cluster> clusters, List<Diagnostic> diagnostics) {
        this.grants = grants;
        this.backends = backends;
        this.clusters = clusters;
        this.diagnostics = diagnostics;
    }

    /** A resolved reference: the cluster's name (null: none), and the ResolvedRefs problem (null: none). */
    record Resolved(String cluster, String problem) {
    }

    List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    /**
     * Resolves a reference from {@code fromKind} in namespace {@code ns} to a Service.
     *
     * @param options the cluster's options (a session-persistence variant, or the defaults)
     */
    Resolved service(String fromKind, String ns, String group, String kind, String name, String namespace,
                     Integer port, IngressOptions options, Provenance where, String field) {
        if (kind != null && !kind.equals("Service") || group != null && !group.isEmpty()) {
            diagnostics.add(Diagnostic.error(where, field, "kind " + (group == null || group.isEmpty() ? ""
                    : group + "/") + kind + " is not supported (expected: Service); not resolved"));
            return new Resolved(null, "InvalidKind: " + field + " is not a Service");
        }
        String target = namespace == null || namespace.isEmpty() ? ns : namespace;
        if (!grants.permits(GatewayTranslator.GROUP, fromKind, ns, "", "Service", target, name)) {
            diagnostics.add(Diagnostic.error(where, field, "Service " + target + "/" + name + " is in another "
                    + "namespace and no ReferenceGrant in " + target + " permits " + fromKind + "s of " + ns
                    + " to refer to it; not resolved"));
            return new Resolved(null, "RefNotPermitted: " + field + " refers to Service " + target + "/" + name
                    + " without a ReferenceGrant");
        }
        if (port == null) {
            diagnostics.add(Diagnostic.error(where, field + ".port", "missing (expected: the Service port)"));
            return new Resolved(null, "InvalidKind: " + field + " has no port");
        }
        Backends.Resolved r = backends.resolve(target, name, new ServiceBackendPort(null, port), options, where);
        String problem = null;
        if (r.problem() != null) {
            diagnostics.add(r.fatal() ? Diagnostic.error(where, field, r.problem())
                    : Diagnostic.warning(where, field, r.problem()));
            if (r.fatal()) {
                problem = "BackendNotFound: " + r.problem();
            }
        }
        if (r.cluster() == null) {
            return new Resolved(null, problem);
        }
        clusters.putIfAbsent(r.cluster().name(), r.cluster());
        return new Resolved(r.cluster().name(), problem);
    }
}
