package io.tidegate.spi.model;

import java.util.List;

/** What a matched route does: forward, redirect, or answer directly. */
public sealed interface RouteAction permits RouteAction.Forward, RouteAction.Redirect, RouteAction.DirectResponse {

    /**
     * Forward to one of several clusters, chosen per request by weight.
     *
     * @param clusters the destinations; at least one
     */
    record Forward(List<WeightedCluster> clusters) implements RouteAction {
        public Forward {
            clusters = List.copyOf(clusters);
            if (clusters.isEmpty()) {
                throw new IllegalArgumentException("clusters: empty (expected: at least one)");
            }
        }

        /** Everything to one cluster. */
        public static Forward to(String cluster) {
            return new Forward(List.of(WeightedCluster.of(cluster, 1)));
        }
    }

    /**
     * Answer with a redirect. Null components keep the request's value.
     *
     * @param scheme new scheme, e.g. {@code https}
     * @param host new host (without port)
     * @param port new port; 0 drops the port (the scheme's default)
     * @param path new path, replacing the whole path
     * @param prefixRewrite replaces the matched prefix of the path (with a prefix match only)
     * @param status 301, 302, 303, 307 or 308
     * @param stripQuery drop the query string
     */
    record Redirect(String scheme, String host, Integer port, String path, String prefixRewrite, int status,
                    boolean stripQuery) implements RouteAction {
        public Redirect {
            if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
                throw new IllegalArgumentException("status: " + status + " (expected: 301, 302, 303, 307 or 308)");
            }
            if (path != null && prefixRewrite != null) {
                throw new IllegalArgumentException("path and prefixRewrite are exclusive");
            }
        }
    }

    /**
     * Answer with a fixed response.
     *
     * @param status HTTP status, 200-599 (an interim 1xx cannot end an exchange)
     * @param body response body (UTF-8), possibly empty
     * @param headers response headers, e.g. content-type
     */
    record DirectResponse(int status, String body, List<HeaderValue> headers) implements RouteAction {
        public DirectResponse {
            if (status < 200 || status > 599) {
                throw new IllegalArgumentException("status: " + status + " (expected: 200-599)");
            }
            body = body == null ? "" : body;
            headers = List.copyOf(headers);
        }
    }
}
