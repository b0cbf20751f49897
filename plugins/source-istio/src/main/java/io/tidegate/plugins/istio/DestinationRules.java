package io.tidegate.plugins.istio;

import static io.tidegate.plugins.istio.IstioHosts.qualify;
import static io.tidegate.plugins.istio.IstioObjects.ns;
import static io.tidegate.plugins.istio.IstioObjects.spec;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Provenance;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DestinationRule objects: which rule applies to which host (the first in object order), the cluster of each
 * ServiceEntry host and port with the rule's {@code trafficPolicy}, and one cluster per {@code subsets}
 * entry ({@code host:port/subset}, the endpoints its labels select). Follows Istio's
 * <a href="https://istio.io/latest/docs/reference/config/networking/destination-rule/">DestinationRule
 * reference</a>; the policy itself is {@link TrafficPolicies}'.
 */
final class DestinationRules {

    private final TrafficPolicies policies;

    DestinationRules(TrafficPolicies policies) {
        this.policies = policies;
    }

    /** The DestinationRule of each host: the first in object order wins; later ones are reported, ignored. */
    static Map<String, GenericKubernetesResource> byHost(Translation run, List<GenericKubernetesResource> rules) {
        Map<String, GenericKubernetesResource> out = new LinkedHashMap<>();
        for (GenericKubernetesResource dr : rules) {
            try {
                String host = qualify(spec(dr).get("host").string(), ns(dr));
                if (out.containsKey(host)) {
                    run.diagnostics.add(Diagnostic.warning(run.prov(dr), "spec.host", "host " + host
                            + " already has DestinationRule " + run.prov(out.get(host)).object() + "; ignored"));
                    continue;
                }
                out.put(host, dr);
            } catch (Node.Invalid e) {
                run.diagnostics.add(Diagnostic.error(run.prov(dr), e.field, e.getMessage()
                        + "; DestinationRule rejected"));
            }
        }
        return out;
    }

    /** DestinationRules whose host no cluster of this source has: reported, as they change nothing. */
    static void reportUnapplied(Translation run, List<GenericKubernetesResource> rules) {
        for (GenericKubernetesResource dr : rules) {
            String host = qualify(new Node(spec(dr).get("host").string(""), "spec.host").string(""), ns(dr));
            if (!run.seHosts.containsKey(host) && !host.isEmpty()) {
                run.diagnostics.add(Diagnostic.warning(run.prov(dr), "spec.host", host.endsWith(IstioHosts.SVC_SUFFIX)
                        ? "the clusters of Kubernetes Service " + host + " are published by the kubernetes source;"
                        + " its trafficPolicy and subsets are not applied (pod labels are not known here)"
                        : "no ServiceEntry for host " + host + "; the DestinationRule applies to nothing"));
            }
        }
    }

    /** The clusters of one base cluster: itself and one per subset, with their traffic policies. */
    void clustersFor(Translation run, BaseCluster b, GenericKubernetesResource dr) {
        String name = b.host() + ":" + b.port();
        Node spec = dr == null ? new Node(null, "spec") : spec(dr);
        Provenance where = dr == null ? b.provenance() : run.prov(dr);
        Node policy = spec.get("trafficPolicy");
        run.clusters.put(name, policies.cluster(run, name, b, b.endpoints(), policy, new Node(null, ""), where,
                "spec.trafficPolicy"));
        for (Node subset : spec.get("subsets").items()) {
            String sn = subset.get("name").string();
            try {
                Map<String, String> labels = subset.get("labels").stringMap();
                List<Endpoint> eps = b.endpoints().stream()
                        .filter(e -> e.labels().entrySet().containsAll(labels.entrySet())).toList();
                Node sp = subset.get("trafficPolicy");
                String cn = subsetCluster(name, sn);
                run.clusters.put(cn, policies.cluster(run, cn, b, eps, policy, sp, where,
                        sp.missing() ? "spec.trafficPolicy" : sp.path()));
                if (eps.isEmpty()) {
                    run.diagnostics.add(Diagnostic.warning(where, subset.path() + ".labels", "subset " + sn
                            + " selects no endpoint of " + b.host() + "; requests to it answer 503"));
                }
            } catch (Node.Invalid e) {
                run.diagnostics.add(Diagnostic.error(where, e.field, e.getMessage() + "; subset " + sn + " rejected"));
            }
        }
    }

    /** The name of a subset's cluster. */
    static String subsetCluster(String cluster, String subset) {
        return cluster + "/" + subset;
    }
}
