package io.tidegate.plugins.istio;

import static io.tidegate.plugins.istio.DestinationRules.subsetCluster;
import static io.tidegate.plugins.istio.HttpPolicies.headerEdits;
import static io.tidegate.plugins.istio.IstioHosts.qualify;
import static io.tidegate.plugins.istio.IstioObjects.ns;
import static io.tidegate.plugins.istio.IstioObjects.spec;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.WeightedCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * VirtualService {@code destination}s (of routes and mirrors, in http, tls and tcp rules) as cluster names:
 * a ServiceEntry host's {@code host:port}, a subset's {@code host:port/subset}, or a Kubernetes Service's
 * {@code host:port} published by the kubernetes source. Follows Istio's
 * <a href="https://istio.io/latest/docs/reference/config/networking/virtual-service/#Destination">
 * Destination reference</a>.
 */
final class DestinationResolver {

    private final Set<String> selfHosts;

    /** @param selfHosts service hosts that stand for this gateway (the mesh hop to it is implicit) */
    DestinationResolver(Set<String> selfHosts) {
        this.selfHosts = Set.copyOf(selfHosts);
    }

    /**
     * Resolves {@code route[].destination}s as Istio does (see {@link #resolve}); a rule whose destinations
     * are all {@code selfHosts} is the implicit mesh hop, mixing them with others is an error.
     */
    RouteDestinations destinations(Translation run, GenericKubernetesResource vs, Node rule,
                                   Map<String, GenericKubernetesResource> rules, Provenance where,
                                   List<Diagnostic> notes, String consequence) {
        List<WeightedCluster> dests = new ArrayList<>();
        List<Node> items = rule.get("route").items();
        boolean unresolved = false;
        int selfCount = 0;
        boolean noWeights = items.stream().noneMatch(x -> x.has("weight"));
        for (Node d : items) {
            Node dest = d.get("destination");
            String host = qualify(dest.get("host").string(), ns(vs));
            if (selfHosts.contains(host)) {
                selfCount++;
                continue;
            }
            String cluster = resolve(run, dest, host, rules, where, notes, consequence);
            if (cluster == null) {
                unresolved = true;
                continue;
            }
            int weight = noWeights ? 1 : d.get("weight").integer(0, 0, 100);
            dests.add(new WeightedCluster(cluster, weight, headerEdits(d.get("headers").get("request")),
                    headerEdits(d.get("headers").get("response"))));
            run.referenced.add(cluster);
        }
        if (selfCount > 0 && selfCount != items.size()) {
            throw rule.get("route").error("mixes destinations that are this gateway with others");
        }
        return new RouteDestinations(dests, unresolved, selfCount > 0);
    }

    /** The cluster a destination names, or null with an error in {@code notes} ending in {@code consequence}. */
    String resolve(Translation run, Node dest, String host, Map<String, GenericKubernetesResource> rules,
                   Provenance where, List<Diagnostic> notes, String consequence) {
        List<BaseCluster> se = run.seHosts.get(host);
        String subset = dest.get("subset").string(null);
        int port = dest.get("port").get("number").integer(0, 1, 65535);
        String cluster;
        if (se != null) {
            if (port == 0) {
                if (se.size() != 1) {
                    throw dest.get("port").error("is required: host " + host + " has ports "
                            + se.stream().map(BaseCluster::port).toList());
                }
                port = se.get(0).port();
            }
            int p = port;
            if (se.stream().noneMatch(b -> b.port() == p)) {
                notes.add(Diagnostic.error(where, dest.path() + ".port", "host " + host + " has no port " + port
                        + "; " + consequence));
                return null;
            }
            cluster = host + ":" + port;
        } else if (host.endsWith(IstioHosts.SVC_SUFFIX)) {
            if (port == 0) {
                throw dest.get("port").error("is required for Kubernetes Service " + host
                        + " (its clusters are named by port)");
            }
            cluster = host + ":" + port; // published by the kubernetes source (cross-source reference)
            if (subset != null) {
                notes.add(Diagnostic.error(where, dest.path() + ".subset", "subsets of Kubernetes Services need pod"
                        + " labels: give this source the Service, its EndpointSlices and Pods (kubernetesServices:"
                        + " true); " + consequence));
                return null;
            }
            return cluster;
        } else {
            notes.add(Diagnostic.error(where, dest.path() + ".host", "host " + host + " is neither a ServiceEntry"
                    + " host nor a Kubernetes Service; " + consequence));
            return null;
        }
        if (subset != null) {
            GenericKubernetesResource dr = rules.get(host);
            boolean defined = dr != null && spec(dr).get("subsets").items().stream()
                    .anyMatch(s -> subset.equals(s.get("name").string(null)));
            if (!defined) {
                notes.add(Diagnostic.error(where, dest.path() + ".subset", "no DestinationRule defines subset "
                        + subset + " of " + host + "; " + consequence));
                return null;
            }
            return subsetCluster(cluster, subset);
        }
        return cluster;
    }
}
