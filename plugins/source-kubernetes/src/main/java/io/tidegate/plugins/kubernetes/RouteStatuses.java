package io.tidegate.plugins.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import java.util.List;

/**
 * {@code status.parents} of the route kinds whose status is written (HTTPRoute, and TLSRoute and TCPRoute in
 * each version read): the same list in every kind, behind a different status class.
 */
final class RouteStatuses {

    private RouteStatuses() {
    }

    static boolean supports(HasMetadata o) {
        return o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute
                || GatewayObjects.l4Route(o) != null;
    }

    /** The route's {@code status.parents}; null when it has no status yet. */
    static List<RouteParentStatus> parents(HasMetadata o) {
        if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute r) {
            return r.getStatus() == null ? null : r.getStatus().getParents();
        } else if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TLSRoute r) {
            return r.getStatus() == null ? null : r.getStatus().getParents();
        } else if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1alpha3.TLSRoute r) {
            return r.getStatus() == null ? null : r.getStatus().getParents();
        } else if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRoute r) {
            return r.getStatus() == null ? null : r.getStatus().getParents();
        } else if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TCPRoute r) {
            return r.getStatus() == null ? null : r.getStatus().getParents();
        } else if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.TCPRoute r) {
            return r.getStatus() == null ? null : r.getStatus().getParents();
        }
        throw new IllegalArgumentException("not a route: " + o.getKind());
    }

    /** Sets the route's {@code status.parents} (creating its status). */
    static void setParents(HasMetadata o, List<RouteParentStatus> parents) {
        if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute r) {
            r.setStatus(withParents(r.getStatus(), io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus::new,
                    io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatus::setParents, parents));
        } else if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TLSRoute r) {
            r.setStatus(withParents(r.getStatus(),
                    io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TLSRouteStatus::new,
                    io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TLSRouteStatus::setParents, parents));
        } else if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1alpha3.TLSRoute r) {
            r.setStatus(withParents(r.getStatus(), io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRouteStatus::new,
                    io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRouteStatus::setParents, parents));
        } else if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRoute r) {
            r.setStatus(withParents(r.getStatus(), io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRouteStatus::new,
                    io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRouteStatus::setParents, parents));
        } else if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TCPRoute r) {
            r.setStatus(withParents(r.getStatus(),
                    io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TCPRouteStatus::new,
                    io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TCPRouteStatus::setParents, parents));
        } else if (o instanceof io.fabric8.kubernetes.api.model.gatewayapi.v1.TCPRoute r) {
            r.setStatus(withParents(r.getStatus(), io.fabric8.kubernetes.api.model.gatewayapi.v1.TCPRouteStatus::new,
                    io.fabric8.kubernetes.api.model.gatewayapi.v1.TCPRouteStatus::setParents, parents));
        } else {
            throw new IllegalArgumentException("not a route: " + o.getKind());
        }
    }

    /** {@code status} (a new one when null) with its parents set: the same steps for every status class. */
    private static <S> S withParents(S status, java.util.function.Supplier<S> create,
                                     java.util.function.BiConsumer<S, List<RouteParentStatus>> set,
                                     List<RouteParentStatus> parents) {
        S st = status == null ? create.get() : status;
        set.accept(st, parents);
        return st;
    }
}
