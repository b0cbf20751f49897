package io.tidegate.plugins.istio;

import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.HashPolicy;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.OutlierDetection;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.UpstreamTls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A DestinationRule {@code trafficPolicy} (merged with the subset's and the port's, as Istio merges them)
 * as a cluster's settings: {@code loadBalancer}, {@code connectionPool} ({@link ConnectionPool}),
 * {@code outlierDetection} and {@code tls} ({@link UpstreamTlsPolicy}). Follows Istio's
 * <a href="https://istio.io/latest/docs/reference/config/networking/destination-rule/#TrafficPolicy">
 * TrafficPolicy reference</a>.
 */
final class TrafficPolicies {

    private final UpstreamTlsPolicy upstreamTls;

    TrafficPolicies(UpstreamTlsPolicy upstreamTls) {
        this.upstreamTls = upstreamTls;
    }

    private static final List<String> POLICY_FIELDS = List.of("loadBalancer", "connectionPool", "outlierDetection",
            "tls");

    /**
     * Istio's {@code MergeTrafficPolicy}: the subset's fields override the rule's, field by field; then
     * the port-level settings (of the subset if it has any, else of the rule) override for that port.
     */
    private static Map<String, Node> effective(Node policy, Node subset, int port) {
        Map<String, Node> out = new LinkedHashMap<>();
        for (String f : POLICY_FIELDS) {
            out.put(f, subset.has(f) ? subset.get(f) : policy.get(f));
        }
        Node levels = subset.has("portLevelSettings") ? subset.get("portLevelSettings")
                : policy.get("portLevelSettings");
        for (Node pl : levels.items()) {
            if (pl.get("port").get("number").integer(0, 0, 65535) == port) {
                for (String f : POLICY_FIELDS) {
                    if (pl.has(f)) {
                        out.put(f, pl.get(f));
                    }
                }
            }
        }
        return out;
    }

    /** One cluster with the policy that applies to it ({@code field} names where it comes from). */
    Cluster cluster(Translation run, String name, BaseCluster b, List<Endpoint> endpoints, Node policy,
                            Node subsetPolicy, Provenance where, String field) {
        Map<String, Node> eff = effective(policy, subsetPolicy, b.port());
        LoadBalancer lb = loadBalancer(run, eff.get("loadBalancer"), where);
        Node poolNode = eff.get("connectionPool");
        ConnectionPool pool = ConnectionPool.of(poolNode, b.protocol());
        if (pool.tcpIdleTimeout() != null) {
            run.tcpIdleTimeouts.put(name, pool.tcpIdleTimeout());
        }
        if (!pool.ignored().isEmpty()) {
            run.diagnostics.add(Diagnostic.warning(where, poolNode.path(), pool.ignored()
                    + " have no counterpart in Tidegate; ignored"));
        }
        OutlierDetection od = outlierDetection(run, eff.get("outlierDetection"), where);
        UpstreamTls tls = upstreamTls.of(run, eff.get("tls"), b, where, pool.protocol());
        if (tls == null && b.protocol() == IstioProtocol.HTTPS && eff.get("tls").missing()) {
            run.diagnostics.add(Diagnostic.warning(b.provenance(), "spec.ports", "port " + b.port() + " of "
                    + b.host() + " is HTTPS but no DestinationRule originates TLS; HTTP routes to it send plain"
                    + " HTTP (add a DestinationRule with tls.mode SIMPLE, or route it with a tls route)"));
        }
        return new Cluster(name, endpoints, b.resolution(), pool.protocol(), lb, pool.connectTimeout(),
                pool.idleTimeout(), pool.limits(), od, null, tls, where.withRule(field));
    }

    /** Istio's defaults: consecutive5xxErrors 5, interval 10s, baseEjectionTime 30s, maxEjectionPercent 10. */
    private static OutlierDetection outlierDetection(Translation run, Node o, Provenance where) {
        if (o.missing()) {
            return null;
        }
        int c5xx = o.get("consecutive5xxErrors").integer(o.has("consecutiveErrors")
                ? o.get("consecutiveErrors").integer(5, 0, Integer.MAX_VALUE) : 5, 0, Integer.MAX_VALUE);
        int gw = o.get("consecutiveGatewayErrors").integer(0, 0, Integer.MAX_VALUE);
        OutlierDetection od = new OutlierDetection(c5xx, gw, o.get("interval").duration(Duration.ofSeconds(10)),
                o.get("baseEjectionTime").duration(Duration.ofSeconds(30)),
                o.get("maxEjectionPercent").integer(10, 0, 100));
        if (o.has("splitExternalLocalOriginErrors") || o.has("consecutiveLocalOriginFailures")
                || o.has("minHealthPercent")) {
            run.diagnostics.add(Diagnostic.warning(where, o.path(), "splitExternalLocalOriginErrors,"
                    + " consecutiveLocalOriginFailures and minHealthPercent are not supported; ignored"));
        }
        return od;
    }

    private LoadBalancer loadBalancer(Translation run, Node lb, Provenance where) {
        if (lb.missing()) {
            return LoadBalancer.ROUND_ROBIN;
        }
        if (lb.has("simple")) {
            String simple = lb.get("simple").string();
            return switch (simple) {
                case "ROUND_ROBIN", "UNSPECIFIED" -> LoadBalancer.ROUND_ROBIN;
                case "LEAST_REQUEST", "LEAST_CONN" -> new LoadBalancer(LoadBalancer.Policy.LEAST_REQUEST, List.of());
                case "RANDOM" -> new LoadBalancer(LoadBalancer.Policy.RANDOM, List.of());
                case "PASSTHROUGH" -> throw lb.get("simple").error("PASSTHROUGH (forward to the original"
                        + " destination) cannot be expressed by a gateway");
                default -> throw lb.get("simple").error("'" + simple
                        + "' (expected: ROUND_ROBIN, LEAST_REQUEST, RANDOM)");
            };
        }
        Node ch = lb.get("consistentHash");
        if (ch.missing()) {
            return LoadBalancer.ROUND_ROBIN;
        }
        List<HashPolicy> hash = new ArrayList<>();
        if (ch.has("httpHeaderName")) {
            hash.add(new HashPolicy(HashPolicy.Kind.HEADER, ch.get("httpHeaderName").string(), null, null));
        } else if (ch.has("httpCookie")) {
            Node c = ch.get("httpCookie");
            hash.add(new HashPolicy(HashPolicy.Kind.COOKIE, c.get("name").string(), c.get("ttl").duration(null),
                    c.get("path").string(null)));
        } else if (ch.get("useSourceIp").bool(false)) {
            hash.add(new HashPolicy(HashPolicy.Kind.SOURCE_IP, "", null, null));
        } else if (ch.has("httpQueryParameterName")) {
            hash.add(new HashPolicy(HashPolicy.Kind.QUERY_PARAMETER, ch.get("httpQueryParameterName").string(), null,
                    null));
        } else {
            throw ch.error("names no hash key (expected: httpHeaderName, httpCookie, useSourceIp or"
                    + " httpQueryParameterName)");
        }
        if (ch.has("minimumRingSize") || ch.get("ringHash").has("minimumRingSize")) {
            run.diagnostics.add(Diagnostic.warning(where, ch.path(), "minimumRingSize is fixed by the engine"
                    + " (1024 points per weight unit); ignored"));
        }
        return new LoadBalancer(ch.has("maglev") ? LoadBalancer.Policy.MAGLEV : LoadBalancer.Policy.RING_HASH, hash);
    }
}
