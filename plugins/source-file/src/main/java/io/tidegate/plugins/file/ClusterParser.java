package io.tidegate.plugins.file;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.HashPolicy;
import io.tidegate.spi.model.HealthCheck;
import io.tidegate.spi.model.HealthStatus;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.OutlierDetection;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.SocketAddress;
import io.tidegate.spi.model.UpstreamTls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads one item of a file's {@code clusters:} list into a {@link Cluster}. */
final class ClusterParser {

    private static final String[] KEYS = {"name", "endpoints", "balancer", "protocol", "connectTimeout",
            "idleTimeout", "resolution", "limits", "hashOn", "healthCheck", "outlierDetection", "tls"};
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
                balancer(node),
                node.duration("connectTimeout", null), node.duration("idleTimeout", null),
                limits(node.getOrNull("limits")), outlierDetection(node.getOrNull("outlierDetection")),
                healthCheck(node.getOrNull("healthCheck")), tls(node.getOrNull("tls"), origin, files), provenance);
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

    /** {@code balancer} and, for the consistent-hash balancers, {@code hashOn}. */
    private static LoadBalancer balancer(ConfigNode cluster) {
        ConfigNode node = cluster.getOrNull("balancer");
        LoadBalancer.Policy policy = node.isNull() ? LoadBalancer.Policy.ROUND_ROBIN : switch (node.asString().trim()) {
            case "round-robin" -> LoadBalancer.Policy.ROUND_ROBIN;
            case "least-request" -> LoadBalancer.Policy.LEAST_REQUEST;
            case "random" -> LoadBalancer.Policy.RANDOM;
            case "ring-hash" -> LoadBalancer.Policy.RING_HASH;
            case "maglev" -> LoadBalancer.Policy.MAGLEV;
            default -> throw node.error("'" + node.asString()
                    + "' (expected one of: round-robin, least-request, random, ring-hash, maglev)");
        };
        ConfigNode hashOn = cluster.getOrNull("hashOn");
        if (hashOn.isNull()) {
            return new LoadBalancer(policy, List.of());
        }
        if (policy != LoadBalancer.Policy.RING_HASH && policy != LoadBalancer.Policy.MAGLEV) {
            throw hashOn.error("needs balancer ring-hash or maglev (balancer is "
                    + (node.isNull() ? "round-robin" : node.asString()) + ")");
        }
        List<HashPolicy> policies = new ArrayList<>();
        for (ConfigNode item : hashOn.items()) {
            policies.add(hashPolicy(item));
        }
        return new LoadBalancer(policy, policies);
    }

    /** One of {@code header: NAME}, {@code cookie: NAME | {name, ttl, path}}, {@code sourceIp: true}, {@code queryParameter: NAME}. */
    private static HashPolicy hashPolicy(ConfigNode item) {
        item.requireOnlyKeys("header", "cookie", "sourceIp", "queryParameter");
        String kind = item.requireExactlyOne("header", "cookie", "sourceIp", "queryParameter");
        ConfigNode value = item.get(kind);
        return switch (kind) {
            case "header" -> new HashPolicy(HashPolicy.Kind.HEADER, Syntax.name(value), null, null);
            case "queryParameter" -> new HashPolicy(HashPolicy.Kind.QUERY_PARAMETER, Syntax.name(value), null, null);
            case "sourceIp" -> {
                if (!value.asBoolean()) {
                    throw value.error("false (expected: true, or leave the item out)");
                }
                yield new HashPolicy(HashPolicy.Kind.SOURCE_IP, null, null, null);
            }
            default -> {
                if (value.isScalar()) {
                    yield new HashPolicy(HashPolicy.Kind.COOKIE, Syntax.name(value), null, null);
                }
                value.requireOnlyKeys("name", "ttl", "path");
                String path = value.find("path").map(ConfigNode::asString).orElse(null);
                if (path != null && !path.startsWith("/")) {
                    throw value.get("path").error("'" + path + "' (expected: a path starting with /)");
                }
                yield new HashPolicy(HashPolicy.Kind.COOKIE, Syntax.name(value.get("name")),
                        value.has("ttl") ? value.duration("ttl", null) : Duration.ZERO, path);
            }
        };
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

    /** {@code http: PATH} or {@code tcp: true}, with timing and thresholds (HAProxy's rise 2, fall 3 by default). */
    private static HealthCheck healthCheck(ConfigNode node) {
        if (node.isNull()) {
            return null;
        }
        node.requireOnlyKeys("http", "tcp", "host", "expectedStatuses", "interval", "timeout", "healthyThreshold",
                "unhealthyThreshold");
        String kind = node.requireExactlyOne("http", "tcp");
        String path = null;
        if (kind.equals("http")) {
            path = node.get("http").asString();
            if (!path.startsWith("/")) {
                throw node.get("http").error("'" + path + "' (expected: a path starting with /)");
            }
        } else if (!node.get("tcp").asBoolean()) {
            throw node.get("tcp").error("false (expected: true, or http: PATH)");
        }
        if (kind.equals("tcp") && (node.has("host") || node.has("expectedStatuses"))) {
            throw node.error("host and expectedStatuses are for http checks");
        }
        java.util.Set<Integer> statuses = new java.util.LinkedHashSet<>();
        for (ConfigNode status : node.getOrNull("expectedStatuses").items()) {
            statuses.add(status.asInt(100, 599));
        }
        Duration interval = positive(node, "interval", Duration.ofSeconds(10));
        Duration timeout = positive(node, "timeout", Duration.ofSeconds(2));
        return new HealthCheck(kind.equals("http") ? HealthCheck.Kind.HTTP : HealthCheck.Kind.TCP, path,
                node.find("host").map(ConfigNode::asString).orElse(null), statuses, interval, timeout,
                node.find("healthyThreshold").map(n -> n.asInt(1, 100)).orElse(2),
                node.find("unhealthyThreshold").map(n -> n.asInt(1, 100)).orElse(3));
    }

    /** Envoy's consecutive-error ejection, with Envoy's defaults. */
    private static OutlierDetection outlierDetection(ConfigNode node) {
        if (node.isNull()) {
            return null;
        }
        node.requireOnlyKeys("consecutive5xx", "consecutiveGatewayErrors", "interval", "baseEjectionTime",
                "maxEjectionPercent");
        int fives = node.find("consecutive5xx").map(n -> n.asInt(0, 1_000_000)).orElse(5);
        int gateway = node.find("consecutiveGatewayErrors").map(n -> n.asInt(0, 1_000_000)).orElse(0);
        if (fives == 0 && gateway == 0) {
            throw node.error("consecutive5xx and consecutiveGatewayErrors are both 0 (expected: at least one > 0)");
        }
        return new OutlierDetection(fives, gateway, positive(node, "interval", Duration.ofSeconds(10)),
                positive(node, "baseEjectionTime", Duration.ofSeconds(30)),
                node.find("maxEjectionPercent").map(n -> n.asInt(1, 100)).orElse(10));
    }

    private static Duration positive(ConfigNode node, String key, Duration fallback) {
        Duration d = node.duration(key, fallback);
        if (d.isZero() || d.isNegative()) {
            throw node.get(key).error("'" + node.get(key).asString() + "' (expected: a duration > 0, e.g. 5s)");
        }
        return d;
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
