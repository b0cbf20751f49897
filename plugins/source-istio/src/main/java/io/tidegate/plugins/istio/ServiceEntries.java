package io.tidegate.plugins.istio;

import static io.tidegate.plugins.istio.IstioObjects.spec;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.HealthStatus;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ServiceEntry objects as the clusters they define, one per host and port ({@code host:port}), before
 * DestinationRules apply: {@code resolution} (STATIC, DNS; NONE cannot be served by a gateway),
 * {@code endpoints} with their per-port numbers, weights and labels, or the host itself when there are
 * none. Follows Istio's <a href="https://istio.io/latest/docs/reference/config/networking/service-entry/">
 * ServiceEntry reference</a>.
 */
final class ServiceEntries {

    private ServiceEntries() {
    }

    /** One ServiceEntry's base clusters; the first object to define a {@code host:port} keeps it. */
    static void translate(Translation run, GenericKubernetesResource se) {
        Node spec = spec(se);
        Provenance where = run.prov(se);
        String resolution = spec.get("resolution").string("NONE");
        List<String> hosts = spec.get("hosts").strings();
        if (hosts.isEmpty()) {
            throw spec.get("hosts").error("is empty (expected: at least one host)");
        }
        List<Node> ports = spec.get("ports").items();
        if (ports.isEmpty()) {
            throw spec.get("ports").error("is empty (expected: at least one port)");
        }
        Cluster.Resolution kind;
        switch (resolution) {
            case "STATIC" -> kind = Cluster.Resolution.STATIC;
            case "DNS", "DNS_ROUND_ROBIN" -> kind = Cluster.Resolution.DNS;
            case "NONE" -> {
                run.diagnostics.add(Diagnostic.warning(where, "spec.resolution", "NONE (forward to the original"
                        + " destination address) cannot be expressed: a gateway has no original destination;"
                        + " routes to " + hosts + " answer 503"));
                return;
            }
            default -> throw spec.get("resolution").error("'" + resolution
                    + "' (expected: NONE, STATIC, DNS or DNS_ROUND_ROBIN)");
        }
        List<Node> endpoints = spec.get("endpoints").items();
        if (kind == Cluster.Resolution.STATIC && endpoints.isEmpty()) {
            throw spec.get("endpoints").error("is empty (expected: the endpoints of a STATIC ServiceEntry)");
        }
        if (spec.has("workloadSelector")) {
            run.diagnostics.add(Diagnostic.warning(where, "spec.workloadSelector",
                    "WorkloadEntries are not read; only spec.endpoints are used"));
        }
        for (String host : hosts) {
            boolean wildcard = host.startsWith("*");
            if (wildcard && endpoints.isEmpty()) {
                run.diagnostics.add(Diagnostic.warning(where, "spec.hosts", "wildcard host " + host
                        + " with resolution " + resolution + " and no endpoints has no address to resolve;"
                        + " routes to it answer 503"));
                continue;
            }
            for (Node p : ports) {
                int number = p.get("number").integer(0, 1, 65535);
                if (number == 0) {
                    throw p.get("number").error("is required but missing");
                }
                String portName = p.get("name").string("");
                IstioProtocol protocol = IstioProtocol.parse(p.get("protocol").string("HTTP"));
                if (protocol == null || protocol == IstioProtocol.UDP) {
                    throw p.get("protocol").error("'" + p.get("protocol").string() + "' (expected: HTTP, HTTPS,"
                            + " HTTP2, GRPC, GRPC-WEB, TCP, TLS, MONGO, MYSQL or REDIS)");
                }
                int target = p.get("targetPort").integer(number, 1, 65535);
                List<Endpoint> eps = new ArrayList<>();
                if (endpoints.isEmpty()) {
                    eps.add(new Endpoint(new SocketAddress(host.toLowerCase(Locale.ROOT), target), 1, Map.of(),
                            HealthStatus.UNKNOWN));
                }
                for (Node ep : endpoints) {
                    String address = ep.get("address").string();
                    if (address.startsWith("unix://")) {
                        throw ep.get("address").error("unix sockets are not supported");
                    }
                    Map<String, String> epPorts = ep.get("ports").stringMap();
                    int port = epPorts.containsKey(portName)
                            ? new Node(epPorts.get(portName), ep.path() + ".ports." + portName).integer(0, 1, 65535)
                            : target;
                    int weight = ep.get("weight").integer(1, 1, 1_000_000);
                    eps.add(new Endpoint(new SocketAddress(address, port), weight, ep.get("labels").stringMap(),
                            HealthStatus.UNKNOWN));
                }
                String h = host.toLowerCase(Locale.ROOT);
                BaseCluster b = new BaseCluster(h, number, protocol, eps, kind, where);
                String key = h + ":" + number;
                if (run.base.containsKey(key)) {
                    run.diagnostics.add(Diagnostic.warning(where, "spec.hosts", "host " + h + " port " + number
                            + " is already defined by " + run.base.get(key).provenance().object() + "; ignored"));
                    continue;
                }
                run.base.put(key, b);
                run.seHosts.computeIfAbsent(h, x -> new ArrayList<>()).add(b);
            }
        }
    }
}
