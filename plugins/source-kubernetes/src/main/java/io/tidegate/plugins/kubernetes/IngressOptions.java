package io.tidegate.plugins.kubernetes;

import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.CorsPolicy;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.PolicyRef;
import io.tidegate.spi.model.RetryPolicy;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.UpstreamTls;
import java.time.Duration;
import java.util.List;

/**
 * What an Ingress's ingress-nginx annotations ask for, once parsed. Applies to every path of the
 * Ingress, as in ingress-nginx.
 *
 * @param regex paths are regexes (use-regex, or rewrite-target which implies it)
 * @param rewriteTarget substitution for the path regex, {@code \1} style; null: no rewrite
 * @param sslRedirect redirect HTTP to HTTPS for TLS hosts (ingress-nginx default true)
 * @param forceSslRedirect redirect HTTP to HTTPS even without a TLS section
 * @param maxRequestBodyBytes proxy-body-size; null: the listener's limit
 * @param connectTimeout proxy-connect-timeout; null: kernel default
 * @param idleTimeout the larger of proxy-read-timeout and proxy-send-timeout; null: kernel default
 * @param protocol upstream protocol from backend-protocol
 * @param upstreamTls TLS origination (backend-protocol HTTPS or GRPCS, proxy-ssl-*); null: plaintext
 * @param canary canary settings when this is a canary Ingress; null otherwise
 * @param policies policy bindings (ip-access, rate-limit, basic-auth, ext-auth)
 * @param upstreamVhost Host header sent upstream; null: the client's
 * @param appRoot app-root: {@code /} redirects there; null: none
 * @param redirect permanent-redirect or temporal-redirect; null: forward
 * @param failClosed when non-null, a security annotation could not be applied: every path answers 503
 * @param cors enable-cors and cors-*; null: none
 * @param retries proxy-next-upstream*: the retries of idempotent requests; null: none
 * @param nonIdempotentRetries the retries of POST, PATCH and LOCK (nginx's non-idempotent methods) when they
 *                             differ from {@code retries} (without non_idempotent: connection failures only,
 *                             as nginx retries only what was never sent); null: the same as {@code retries}
 * @param loadBalancer affinity / upstream-hash-by; null: round robin on the Service's shared cluster
 * @param clusterVariant suffix of the cluster name when {@code loadBalancer} is set ({@code #...}), so the
 *                       Ingresses that do not ask for it keep the shared round-robin cluster
 * @param mirror mirror-target: where every request is mirrored; null: no mirror
 */
record IngressOptions(boolean regex, String rewriteTarget, boolean sslRedirect, boolean forceSslRedirect,
                      Long maxRequestBodyBytes, Duration connectTimeout, Duration idleTimeout,
                      Cluster.UpstreamProtocol protocol, UpstreamTls upstreamTls, Canary canary, List<PolicyRef> policies,
                      String upstreamVhost, String appRoot, RouteAction.Redirect redirect, String failClosed,
                      CorsPolicy cors, RetryPolicy retries, RetryPolicy nonIdempotentRetries,
                      LoadBalancer loadBalancer, String clusterVariant, Mirror mirror) {

    IngressOptions {
        policies = List.copyOf(policies);
    }

    /**
     * ingress-nginx canary settings.
     *
     * @param weight share of traffic (of {@code total}) sent to the canary; 0: none by weight
     * @param total canary-weight-total, default 100
     * @param header canary-by-header; null: none
     * @param headerValue canary-by-header-value; null: "always"/"never"
     * @param headerPattern canary-by-header-pattern (regex); null: none
     * @param cookie canary-by-cookie; null: none
     */
    record Canary(int weight, int total, String header, String headerValue, String headerPattern, String cookie) {
    }

    /**
     * mirror-target: the mirror's host (a DNS name, or a Service's cluster-local name) and port.
     *
     * @param tls https: the mirror cluster originates TLS (SNI the host, not verified, as nginx's default)
     */
    record Mirror(String host, int port, boolean tls) {
    }
}
