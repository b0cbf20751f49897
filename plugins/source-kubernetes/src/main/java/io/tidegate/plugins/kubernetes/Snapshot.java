package io.tidegate.plugins.kubernetes;

import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The objects a translation reads, as the API server (or manifest files) holds them right now; the Gateway API
 * kinds that exist in several versions (ReferenceGrant, TLSRoute, TCPRoute) already read into one shape.
 * Objects of other kinds are counted in {@code ignored} (manifest files also hold Deployments).
 */
record Snapshot(List<Ingress> ingresses, List<IngressClass> ingressClasses, List<Service> services,
                List<EndpointSlice> endpointSlices, List<Endpoints> endpoints, List<Secret> secrets,
                List<GatewayClass> gatewayClasses, List<Gateway> gateways, List<HTTPRoute> httpRoutes,
                List<Namespace> namespaces, List<GatewayObjects.Grant> referenceGrants,
                List<GatewayObjects.L4Route> l4Routes) {

    static final Snapshot EMPTY = new Snapshot(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
            List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

    Snapshot {
        ingresses = List.copyOf(ingresses);
        ingressClasses = List.copyOf(ingressClasses);
        services = List.copyOf(services);
        endpointSlices = List.copyOf(endpointSlices);
        endpoints = List.copyOf(endpoints);
        secrets = List.copyOf(secrets);
        gatewayClasses = List.copyOf(gatewayClasses);
        gateways = List.copyOf(gateways);
        httpRoutes = List.copyOf(httpRoutes);
        namespaces = List.copyOf(namespaces);
        referenceGrants = List.copyOf(referenceGrants);
        l4Routes = List.copyOf(l4Routes);
    }

    /** Sorts objects of any kind into a snapshot; returns the ones it does not read in {@code others}. */
    static Snapshot of(Collection<? extends HasMetadata> objects, List<HasMetadata> others) {
        List<Ingress> ingresses = new ArrayList<>();
        List<IngressClass> classes = new ArrayList<>();
        List<Service> services = new ArrayList<>();
        List<EndpointSlice> slices = new ArrayList<>();
        List<Endpoints> endpoints = new ArrayList<>();
        List<Secret> secrets = new ArrayList<>();
        List<GatewayClass> gatewayClasses = new ArrayList<>();
        List<Gateway> gateways = new ArrayList<>();
        List<HTTPRoute> httpRoutes = new ArrayList<>();
        List<Namespace> namespaces = new ArrayList<>();
        List<GatewayObjects.Grant> grants = new ArrayList<>();
        List<GatewayObjects.L4Route> l4Routes = new ArrayList<>();
        for (HasMetadata o : objects) {
            if (o instanceof Ingress i) {
                ingresses.add(i);
            } else if (o instanceof IngressClass c) {
                classes.add(c);
            } else if (o instanceof Service s) {
                services.add(s);
            } else if (o instanceof EndpointSlice e) {
                slices.add(e);
            } else if (o instanceof Endpoints e) {
                endpoints.add(e);
            } else if (o instanceof Secret s) {
                secrets.add(s);
            } else if (o instanceof GatewayClass g) {
                gatewayClasses.add(g);
            } else if (o instanceof Gateway g) {
                gateways.add(g);
            } else if (o instanceof HTTPRoute r) {
                httpRoutes.add(r);
            } else if (o instanceof Namespace n) {
                namespaces.add(n);
            } else {
                GatewayObjects.Grant grant = GatewayObjects.grant(o);
                GatewayObjects.L4Route l4 = grant == null ? GatewayObjects.l4Route(o) : null;
                if (grant != null) {
                    grants.add(grant);
                } else if (l4 != null) {
                    l4Routes.add(l4);
                } else if (others != null) {
                    others.add(o);
                }
            }
        }
        return new Snapshot(ingresses, classes, services, slices, endpoints, secrets, gatewayClasses, gateways,
                httpRoutes, namespaces, grants, l4Routes);
    }
}
