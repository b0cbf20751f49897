package io.tidegate.plugins.file;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.HealthStatus;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.SocketAddress;
import io.tidegate.spi.model.UpstreamTls;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads one item of a file's {@code clusters:} list into a {@link Cluster}. */
final class ClusterParser {

    private static final String[] KEYS = {"name", "endpoints", "balancer", "protocol", "connectTimeout",
            "idleTimeout", "resolution", "limits", "tls"};
    private static final String[] LIMITS = {"maxConnections", "maxPendingRequests", "maxRequests", "maxRetries",
            "maxRequestsPerConnection"};

    private ClusterParser() {
    }

    /** Without {@code tls} file references (tests of other keys). */
    static Cluster parse(ConfigNode node, Provenance provenance) {
        return parse(node, provenance, ".", FileRefs.FILES);
    }

    /**
     * @param origin the YAML file, whose directory {@code tls} file paths are relative to
     * @throws io.tidegate.spi.config.ConfigException naming the first problem
     */
    static Cluster parse(ConfigNode node, Provenance provenance, String origin, FileRefs files) {
        node.requireOnlyKeys(KEYS);
        String name = Syntax.name(node.get("name"));
        ConfigNode endpointsNode = node.get("endpoints");
        List<ConfigNode> items = endpointsNode.items();
        if (items.isEmpty()) {
            throw endpointsNode.error("is empty (expected: at least one host:port)");
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (ConfigNode item : items) {
            endpoints.add(endpoint(item));
        }
        return new Cluster(name, endpoints, resolution(node, items, endpoints),
                node.find("protocol").map(p -> p.asEnum(Cluster.UpstreamProtocol.class)).orElse(null),
                node.find("balancer").map(ClusterParser::balancer).orElse(null),
                node.duration("connectTimeout", null), node.duration("idleTimeout", null),
                limits(node.getOrNull("limits")), null, null, tls(node.getOrNull("tls"), origin, files), provenance);
    }

    /** {@code tls: {sni, caFile, verify, certFile, keyFile}}: TLS origination; {@code tls: {}} uses the system roots. */
    private static UpstreamTls tls(ConfigNode node, String origin, FileRefs files) {
        if (node.isNull()) {
            return null;
        }
        if (!node.isMap()) {
            throw node.error("is a " + node.kind().name().toLowerCase(java.util.Locale.ROOT)
                    + " (expected: a map, e.g. {sni: api.internal, caFile: ca.pem}; {} for the system roots)");
        }
        node.requireOnlyKeys("sni", "caFile", "verify", "certFile", "keyFile");
        String sni = node.find("sni").map(Syntax::hostName).orElse(null);
        if (sni != null && IpLiterals.isIp(sni)) {
            throw node.get("sni").error("\"" + sni + "\" is an IP address (expected: a host name; SNI never carries IPs)");
        }
        boolean verify = node.bool("verify", true);
        if (!verify && node.has("caFile")) {
            throw node.get("caFile").error("is set but verify is false (expected: one of them)");
        }
        String ca = node.find("caFile").map(n -> files.text(n, origin)).orElse(null);
        if (node.has("certFile") != node.has("keyFile")) {
            throw node.error((node.has("certFile") ? "keyFile" : "certFile")
                    + ": is required with " + (node.has("certFile") ? "certFile" : "keyFile")
                    + " (expected: both, for a client certificate)");
        }
        String cert = node.find("certFile").map(n -> files.text(n, origin)).orElse(null);
        String key = node.find("keyFile").map(n -> files.text(n, origin)).orElse(null);
        return new UpstreamTls(sni, ca, verify, cert, key, List.of(), List.of());
    }

    /** {@code "host:port"} or {@code {address, weight, labels, health}}. */
    private static Endpoint endpoint(ConfigNode item) {
        if (item.isScalar()) {
            return new Endpoint(address(item), 1, Map.of(), HealthStatus.HEALTHY);
        }
        item.requireOnlyKeys("address", "weight", "labels", "health");
        ConfigNode weight = item.getOrNull("weight");
        return new Endpoint(address(item.get("address")), weight.isNull() ? 1 : weight.asInt(1, 1_000_000),
                item.getOrNull("labels").asStringMap(), item.find("health").map(ClusterParser::health)
                        .orElse(HealthStatus.HEALTHY));
    }

    private static SocketAddress address(ConfigNode node) {
        SocketAddress address;
        try {
            address = SocketAddress.parse(node.asString());
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
        if (address.port() == 0) {
            throw node.error("\"" + node.asString() + "\": port 0 (expected: 1-65535)");
        }
        return address;
    }

    private static HealthStatus health(ConfigNode node) {
        HealthStatus status = node.asEnum(HealthStatus.class);
        if (status == HealthStatus.UNKNOWN) {
            throw node.error("'" + node.asString() + "' (expected one of: healthy, unhealthy, draining)");
        }
        return status;
    }

    /** Only the balancers that need no hash settings; ring-hash and maglev would need {@code hashPolicies}. */
    private static LoadBalancer balancer(ConfigNode node) {
        LoadBalancer.Policy policy = switch (node.asString().trim()) {
            case "round-robin" -> LoadBalancer.Policy.ROUND_ROBIN;
            case "least-request" -> LoadBalancer.Policy.LEAST_REQUEST;
            case "random" -> LoadBalancer.Policy.RANDOM;
            default -> throw node.error("'" + node.asString()
                    + "' (expected one of: round-robin, least-request, random)");
        };
        return new LoadBalancer(policy, List.of());
    }

    /** Written, or inferred: static when every host is an IP literal, else dns. */
    private static Cluster.Resolution resolution(ConfigNode node, List<ConfigNode> items, List<Endpoint> endpoints) {
        if (!node.has("resolution")) {
            return endpoints.stream().allMatch(e -> IpLiterals.isIp(e.address().host()))
                    ? Cluster.Resolution.STATIC : Cluster.Resolution.DNS;
        }
        Cluster.Resolution resolution = node.get("resolution").asEnum(Cluster.Resolution.class);
        if (resolution == Cluster.Resolution.STATIC) {
            for (int i = 0; i < endpoints.size(); i++) {
                String host = endpoints.get(i).address().host();
                if (!IpLiterals.isIp(host)) {
                    throw items.get(i).error("host \"" + host + "\" is not an IP address, but resolution is static "
                            + "(expected: an IP address, or resolution: dns)");
                }
            }
        }
        return resolution;
    }

    private static ConnectionLimits limits(ConfigNode node) {
        if (node.isNull()) {
            return ConnectionLimits.UNLIMITED;
        }
        node.requireOnlyKeys(LIMITS);
        int[] v = new int[LIMITS.length];
        for (int i = 0; i < LIMITS.length; i++) {
            v[i] = node.find(LIMITS[i]).map(n -> n.asInt(0, Integer.MAX_VALUE)).orElse(0);
        }
        return new ConnectionLimits(v[0], v[1], v[2], v[3], v[4]);
    }
}
