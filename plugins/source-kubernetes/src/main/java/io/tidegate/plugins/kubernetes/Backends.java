package io.tidegate.plugins.kubernetes;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceBackendPort;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.Provenance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Services and their ready endpoints: a Service port becomes a cluster named by service identity,
 * {@code <svc>.<ns>.svc.cluster.local:<port>}, whose endpoints are the ready pod addresses of its
 * EndpointSlices (the legacy Endpoints object when a Service has no slices), never the ClusterIP. An
 * Ingress asking for consistent hashing or affinity gets a variant of that cluster, named
 * {@code <svc>.<ns>.svc.cluster.local:<port>#<hash policies>}, so the others keep round robin.
 */
final class Backends {

    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private final Map<String, Service> services = new HashMap<>();
    private final Map<String, List<EndpointSlice>> slices = new HashMap<>();
    private final Map<String, Endpoints> endpoints = new HashMap<>();

    Backends(Snapshot snapshot) {
        snapshot.services().forEach(s -> services.put(key(s.getMetadata().getNamespace(), s.getMetadata().getName()), s));
        for (EndpointSlice slice : snapshot.endpointSlices()) {
            Map<String, String> labels = slice.getMetadata().getLabels();
            String svc = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
            if (svc != null) {
                slices.computeIfAbsent(key(slice.getMetadata().getNamespace(), svc), k -> new ArrayList<>()).add(slice);
            }
        }
        snapshot.endpoints().forEach(e -> endpoints.put(key(e.getMetadata().getNamespace(), e.getMetadata().getName()), e));
    }

    static String key(String namespace, String name) {
        return (namespace == null ? "default" : namespace) + "/" + name;
    }

    static String clusterName(String service, String namespace, Object port) {
        return service + "." + namespace + ".svc.cluster.local:" + port;
    }

    /** A resolved backend: the cluster (maybe without endpoints), or why there is none. */
    record Resolved(Cluster cluster, String problem, boolean fatal) {
    }

    /**
     * Resolves {@code namespace/service:port} into a cluster.
     *
     * @return the cluster; {@code problem} says what is wrong (Service missing: a cluster without endpoints,
     *         requests get 503; unknown port: {@code fatal}, no cluster)
     */
    Resolved resolve(String namespace, String service, ServiceBackendPort port, IngressOptions options,
                     Provenance provenance) {
        Service svc = services.get(key(namespace, service));
        Object portLabel = port == null ? "" : port.getNumber() != null ? port.getNumber() : port.getName();
        if (svc == null) {
            return new Resolved(cluster(clusterName(service, namespace, portLabel), List.of(), false, options,
                    provenance), "Service " + namespace + "/" + service + " not found; requests get 503 until it exists",
                    false);
        }
        if (port == null || (port.getNumber() == null && (port.getName() == null || port.getName().isEmpty()))) {
            return new Resolved(null, "backend.service.port is missing (expected: number or name)", true);
        }
        List<ServicePort> ports = svc.getSpec() == null || svc.getSpec().getPorts() == null ? List.of()
                : svc.getSpec().getPorts();
        ServicePort sp = null;
        for (ServicePort p : ports) {
            if (port.getNumber() != null ? Objects.equals(p.getPort(), port.getNumber())
                    : Objects.equals(p.getName(), port.getName())) {
                sp = p;
                break;
            }
        }
        String type = svc.getSpec() == null ? null : svc.getSpec().getType();
        if ("ExternalName".equals(type)) {
            String external = svc.getSpec().getExternalName();
            Integer number = sp != null ? sp.getPort() : port.getNumber();
            if (external == null || number == null) {
                return new Resolved(null, "ExternalName Service " + namespace + "/" + service + " has no "
                        + (external == null ? "spec.externalName" : "port named " + port.getName()), true);
            }
            Cluster c = cluster(clusterName(service, namespace, number),
                    List.of(Endpoint.of(external.toLowerCase(java.util.Locale.ROOT), number)), true, options,
                    provenance);
            return new Resolved(c, null, false);
        }
        if (sp == null) {
            return new Resolved(null, "Service " + namespace + "/" + service + " has no port "
                    + (port.getNumber() != null ? port.getNumber() : "named " + port.getName()), true);
        }
        List<Endpoint> eps = readyEndpoints(namespace, service, sp);
        return new Resolved(cluster(clusterName(service, namespace, sp.getPort()), eps, false, options, provenance),
                null, false);
    }

    private List<Endpoint> readyEndpoints(String namespace, String service, ServicePort sp) {
        TreeSet<String> seen = new TreeSet<>();
        List<Endpoint> out = new ArrayList<>();
        List<EndpointSlice> mine = slices.get(key(namespace, service));
        if (mine != null && !mine.isEmpty()) {
            for (EndpointSlice slice : mine) {
                if ("FQDN".equals(slice.getAddressType()) || slice.getPorts() == null || slice.getEndpoints() == null) {
                    continue;
                }
                Integer target = null;
                for (var p : slice.getPorts()) {
                    if (sameName(p.getName(), sp.getName()) && p.getPort() != null) {
                        target = p.getPort();
                    }
                }
                if (target == null) {
                    continue;
                }
                for (var ep : slice.getEndpoints()) {
                    // A nil ready condition means ready (discovery.k8s.io/v1).
                    boolean ready = ep.getConditions() == null || ep.getConditions().getReady() == null
                            || ep.getConditions().getReady();
                    if (!ready || ep.getAddresses() == null) {
                        continue;
                    }
                    for (String address : ep.getAddresses()) {
                        add(out, seen, address, target);
                    }
                }
            }
        } else {
            Endpoints legacy = endpoints.get(key(namespace, service));
            if (legacy != null && legacy.getSubsets() != null) {
                for (EndpointSubset subset : legacy.getSubsets()) {
                    Integer target = null;
                    for (EndpointPort p : subset.getPorts() == null ? List.<EndpointPort>of() : subset.getPorts()) {
                        if (sameName(p.getName(), sp.getName()) && p.getPort() != null) {
                            target = p.getPort();
                        }
                    }
                    if (target == null || subset.getAddresses() == null) {
                        continue;
                    }
                    for (EndpointAddress address : subset.getAddresses()) {
                        add(out, seen, address.getIp(), target);
                    }
                }
            }
        }
        out.sort((x, y) -> x.address().toString().compareTo(y.address().toString()));
        return out;
    }

    private static void add(List<Endpoint> out, TreeSet<String> seen, String address, int port) {
        if (address != null && !address.isBlank() && seen.add(address + "|" + port)) {
            out.add(Endpoint.of(address, port));
        }
    }

    private static boolean sameName(String a, String b) {
        return (a == null ? "" : a).equals(b == null ? "" : b);
    }

    private static Cluster cluster(String name, List<Endpoint> endpoints, boolean dns, IngressOptions o,
                                   Provenance provenance) {
        LoadBalancer lb = o.loadBalancer() == null ? LoadBalancer.ROUND_ROBIN : o.loadBalancer();
        String variant = o.loadBalancer() == null || o.clusterVariant() == null ? "" : o.clusterVariant();
        return new Cluster(name + variant, endpoints, dns ? Cluster.Resolution.DNS : Cluster.Resolution.STATIC,
                o.protocol(), lb, o.connectTimeout(), null, ConnectionLimits.UNLIMITED, null, null, o.upstreamTls(),
                provenance);
    }
}
