package io.tidegate.plugins.istio;

import static io.tidegate.plugins.istio.IstioHosts.qualify;
import static io.tidegate.plugins.istio.IstioObjects.ns;
import static io.tidegate.plugins.istio.IstioObjects.spec;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.HealthStatus;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.SocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kubernetes Services (with their EndpointSlices and Pods) as clusters, the way Istio's service registry
 * sees them: {@code <name>.<namespace>.svc.cluster.local:<port>}, ready endpoints only, port protocols by
 * Istio's <a href="https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/">
 * protocol selection</a>.
 */
final class KubernetesServices {

    private KubernetesServices() {
    }

    /**
     * Kubernetes Services this source was given (manifests, or informers with {@code kubernetesServices:
     * true}) become clusters like ServiceEntries: ready EndpointSlice endpoints, with the labels of their
     * pods (so DestinationRule subsets select pods). Only hosts a VirtualService or DestinationRule names
     * are published, and a ServiceEntry for the same host takes precedence.
     */
    static void translate(Translation run, IstioTranslator.Snapshot s, Set<String> ruleHosts) {
        Set<String> wanted = new LinkedHashSet<>(ruleHosts);
        for (GenericKubernetesResource vs : s.virtualServices()) {
            try {
                for (String kind : List.of("http", "tcp", "tls")) {
                    for (Node rule : spec(vs).get(kind).items()) {
                        List<Node> dests = new ArrayList<>();
                        rule.get("route").items().forEach(d -> dests.add(d.get("destination")));
                        dests.add(rule.get("mirror"));
                        rule.get("mirrors").items().forEach(m -> dests.add(m.get("destination")));
                        for (Node d : dests) {
                            wanted.add(qualify(d.get("host").string(""), ns(vs)));
                        }
                    }
                }
            } catch (Node.Invalid e) {
                // reported when the VirtualService itself is translated
            }
        }
        Map<String, Map<String, String>> podLabels = new LinkedHashMap<>();
        for (Pod p : s.pods()) {
            podLabels.put(ns(p) + "/" + p.getMetadata().getName(), p.getMetadata().getLabels() == null ? Map.of()
                    : p.getMetadata().getLabels());
        }
        for (Service svc : s.services()) {
            String host = svc.getMetadata().getName() + "." + ns(svc) + IstioHosts.SVC_SUFFIX;
            if (!wanted.contains(host) || run.seHosts.containsKey(host) || svc.getSpec() == null
                    || svc.getSpec().getPorts() == null) {
                continue;
            }
            Provenance where = run.prov(svc);
            for (ServicePort sp : svc.getSpec().getPorts()) {
                List<Endpoint> eps = new ArrayList<>();
                for (EndpointSlice slice : s.endpointSlices()) {
                    Map<String, String> labels = slice.getMetadata().getLabels();
                    if (!ns(slice).equals(ns(svc)) || labels == null
                            || !svc.getMetadata().getName().equals(labels.get("kubernetes.io/service-name"))) {
                        continue;
                    }
                    Integer port = null;
                    for (EndpointPort ep : slice.getPorts() == null ? List.<EndpointPort>of() : slice.getPorts()) {
                        String name = ep.getName() == null ? "" : ep.getName();
                        if (name.equals(sp.getName() == null ? "" : sp.getName())) {
                            port = ep.getPort();
                        }
                    }
                    if (port == null) {
                        continue;
                    }
                    for (var e : slice.getEndpoints() == null ? List.<io.fabric8.kubernetes.api.model.discovery.v1
                            .Endpoint>of() : slice.getEndpoints()) {
                        if (e.getConditions() != null && Boolean.FALSE.equals(e.getConditions().getReady())) {
                            continue;
                        }
                        Map<String, String> labels2 = e.getTargetRef() != null && "Pod".equals(e.getTargetRef()
                                .getKind()) ? podLabels.getOrDefault(ns(svc) + "/" + e.getTargetRef().getName(),
                                Map.of()) : Map.of();
                        for (String a : e.getAddresses()) {
                            eps.add(new Endpoint(new SocketAddress(a, port), 1, labels2, HealthStatus.HEALTHY));
                        }
                    }
                }
                eps.sort(Comparator.comparing(e -> e.address().toString()));
                IstioProtocol protocol = IstioProtocol.ofServicePort(sp.getAppProtocol(), sp.getName());
                BaseCluster b = new BaseCluster(host, sp.getPort(), protocol, eps, Cluster.Resolution.STATIC, where);
                run.base.put(host + ":" + sp.getPort(), b);
                run.seHosts.computeIfAbsent(host, x -> new ArrayList<>()).add(b);
            }
        }
    }
}
