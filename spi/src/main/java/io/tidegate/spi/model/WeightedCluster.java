package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

/**
 * One destination of a forwarding route, with its share of the traffic.
 *
 * @param cluster the cluster name, e.g. {@code httpbin.default.svc.cluster.local:8000}
 * @param weight relative weight, >= 0; weight 0 receives no traffic
 * @param requestHeaders header edits applied when this destination is chosen
 * @param responseHeaders header edits applied to responses from this destination
 */
public record WeightedCluster(String cluster, int weight, HeaderEdits requestHeaders, HeaderEdits responseHeaders) {

    public WeightedCluster {
        requireNonNull(cluster, "cluster");
        if (weight < 0) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: >= 0)");
        }
        requestHeaders = requestHeaders == null ? HeaderEdits.NONE : requestHeaders;
        responseHeaders = responseHeaders == null ? HeaderEdits.NONE : responseHeaders;
    }

    public static WeightedCluster of(String cluster, int weight) {
        return new WeightedCluster(cluster, weight, HeaderEdits.NONE, HeaderEdits.NONE);
    }
}
