package io.tidegate.plugins.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrantFrom;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrantSpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrantTo;
import java.util.ArrayList;
import java.util.List;

/**
 * Gateway API kinds that exist in several versions, read into one shape. TLSRoute is
 * {@code v1alpha2}/{@code v1alpha3} in the experimental channel (and {@code v1} in the model fabric8 generates
 * from the newest one), TCPRoute {@code v1alpha2} (and {@code v1}), ReferenceGrant {@code v1beta1} in the
 * standard channel ({@code v1alpha2} before, {@code v1} in fabric8's model). Their fields are the same in every
 * version, so the translation reads this shape and never the version.
 */
final class GatewayObjects {

    private GatewayObjects() {
    }

    /**
     * A ReferenceGrant: references from {@code from} (in their namespaces) to {@code to} objects in
     * {@code namespace} are permitted.
     */
    record Grant(String namespace, String name, List<From> from, List<To> to) {
        Grant {
            from = List.copyOf(from);
            to = List.copyOf(to);
        }
    }

    /** A ReferenceGrant's {@code from} entry: group ("" is core), kind, namespace. */
    record From(String group, String kind, String namespace) {
    }

    /** A ReferenceGrant's {@code to} entry: group ("" is core), kind, optional name (null: any). */
    record To(String group, String kind, String name) {
    }

    /**
     * A TLSRoute or TCPRoute: hostnames (TLSRoute only: SNI names), parent references, and per rule its backend
     * references. {@code object} is the object as read (for status).
     */
    record L4Route(String kind, HasMetadata object, List<String> hostnames, List<ParentReference> parentRefs,
                   List<List<BackendRef>> rules) {
        L4Route {
            hostnames = List.copyOf(hostnames);
            parentRefs = List.copyOf(parentRefs);
            rules = List.copyOf(rules);
        }

        String namespace() {
            return object.getMetadata().getNamespace() == null ? "default" : object.getMetadata().getNamespace();
        }

        String id() {
            return namespace() + "/" + object.getMetadata().getName();
        }

        String created() {
            String c = object.getMetadata().getCreationTimestamp();
            return c == null ? "" : c;
        }
    }

    /** The grant {@code o} is, or null when it is no ReferenceGrant. */
    static Grant grant(HasMetadata o) {
        ReferenceGrantSpec spec;
        if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant g) {
            spec = g.getSpec();
        } else if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrant g) {
            spec = g.getSpec();
        } else if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.ReferenceGrant g) {
            spec = g.getSpec();
        } else {
            return null;
        }
        List<From> from = new ArrayList<>();
        List<To> to = new ArrayList<>();
        if (spec != null) {
            for (ReferenceGrantFrom f : spec.getFrom() == null ? List.<ReferenceGrantFrom>of() : spec.getFrom()) {
                from.add(new From(nullToEmpty(f.getGroup()), nullToEmpty(f.getKind()), nullToEmpty(f.getNamespace())));
            }
            for (ReferenceGrantTo t : spec.getTo() == null ? List.<ReferenceGrantTo>of() : spec.getTo()) {
                to.add(new To(nullToEmpty(t.getGroup()), nullToEmpty(t.getKind()),
                        t.getName() == null || t.getName().isEmpty() ? null : t.getName()));
            }
        }
        String ns = o.getMetadata().getNamespace() == null ? "default" : o.getMetadata().getNamespace();
        return new Grant(ns, o.getMetadata().getName(), from, to);
    }

    /** The TLSRoute or TCPRoute {@code o} is, or null when it is neither. */
    static L4Route l4Route(HasMetadata o) {
        if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TLSRoute r) {
            var s = r.getSpec();
            return s == null ? empty("TLSRoute", o) : new L4Route("TLSRoute", o, list(s.getHostnames()),
                    list(s.getParentRefs()), rules(s.getRules(), x -> x.getBackendRefs()));
        }
        if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1alpha3.TLSRoute r) {
            var s = r.getSpec();
            return s == null ? empty("TLSRoute", o) : new L4Route("TLSRoute", o, list(s.getHostnames()),
                    list(s.getParentRefs()), rules(s.getRules(), x -> x.getBackendRefs()));
        }
        if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRoute r) {
            var s = r.getSpec();
            return s == null ? empty("TLSRoute", o) : new L4Route("TLSRoute", o, list(s.getHostnames()),
                    list(s.getParentRefs()), rules(s.getRules(), x -> x.getBackendRefs()));
        }
        if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TCPRoute r) {
            var s = r.getSpec();
            return s == null ? empty("TCPRoute", o) : new L4Route("TCPRoute", o, List.of(),
                    list(s.getParentRefs()), rules(s.getRules(), x -> x.getBackendRefs()));
        }
        if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.TCPRoute r) {
            var s = r.getSpec();
            return s == null ? empty("TCPRoute", o) : new L4Route("TCPRoute", o, List.of(),
                    list(s.getParentRefs()), rules(s.getRules(), x -> x.getBackendRefs()));
        }
        return null;
    }

    private static L4Route empty(String kind, HasMetadata o) {
        return new L4Route(kind, o, List.of(), List.of(), List.of());
    }

    private static <R> List<List<BackendRef>> rules(List<R> rules,
                                                   java.util.function.Function<R, List<BackendRef>> refs) {
        List<List<BackendRef>> out = new ArrayList<>();
        for (R r : rules == null ? List.<R>of() : rules) {
            out.add(list(refs.apply(r)));
        }
        return out;
    }

    private static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : l;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
