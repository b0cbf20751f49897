package io.tidegate.plugins.kubernetes;

import static io.tidegate.plugins.kubernetes.AnnotationValues.integer;
import static io.tidegate.plugins.kubernetes.AnnotationValues.seconds;

import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.HashPolicy;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.RetryPolicy;
import io.tidegate.spi.model.UpstreamTls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the backend is reached: proxy-connect-timeout, proxy-read-timeout, proxy-send-timeout, backend-protocol (with
 * upstream TLS by {@link UpstreamTlsAnnotations}), proxy-next-upstream and proxy-next-upstream-tries (retries),
 * affinity with session-cookie-* and upstream-hash-by (ring-hash cluster variants). Follows the "Custom timeouts",
 * "Backend Protocol", "Session Affinity" and "Custom NGINX upstream hashing" sections of
 * <a href="https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/">ingress-nginx's
 * annotations page</a>.
 */
final class BackendAnnotations {

    private static final Pattern HASH_BY = Pattern.compile(
            "\\$(remote_addr|binary_remote_addr|http_|cookie_|arg_)(\\w*)");

    /**
     * What the backend annotations ask for; {@link IngressOptions} says what each means.
     *
     * @param failClosedTls why every path fails closed when proxy-ssl-secret cannot be read; null otherwise
     */
    record Backend(Duration connect, Duration idle, Cluster.UpstreamProtocol protocol, UpstreamTls upstreamTls,
                   String failClosedTls, RetryPolicy retries, RetryPolicy nonIdempotentRetries, Balancer balancer) {
    }

    private final UpstreamTlsAnnotations upstreamTls;

    BackendAnnotations(UpstreamTlsAnnotations upstreamTls) {
        this.upstreamTls = upstreamTls;
    }

    Backend read(Map<String, String> a, String namespace, Receipts r) {
        Duration connect = seconds(a, "proxy-connect-timeout", r);
        if (connect != null) {
            r.info("proxy-connect-timeout", "applied: upstream connect timeout " + connect.toSeconds() + "s (on the "
                    + "Service's cluster, shared by every Ingress using it)");
        }
        Duration read = seconds(a, "proxy-read-timeout", r);
        Duration send = seconds(a, "proxy-send-timeout", r);
        Duration idle = read == null ? send : send == null ? read : (read.compareTo(send) >= 0 ? read : send);
        for (String k : List.of("proxy-read-timeout", "proxy-send-timeout")) {
            if (a.containsKey(k) && idle != null) {
                r.warn(k, "approximated: nginx times each read or write; Tidegate applies the larger of "
                        + "proxy-read-timeout and proxy-send-timeout (" + idle.toSeconds()
                        + "s) as the exchange's idle timeout");
            }
        }

        Cluster.UpstreamProtocol protocol = Cluster.UpstreamProtocol.HTTP1;
        boolean tls = false;
        if (a.containsKey("backend-protocol")) {
            String p = a.get("backend-protocol").toUpperCase(Locale.ROOT);
            switch (p) {
                case "HTTP" -> r.info("backend-protocol", "applied: HTTP/1.1 upstream");
                case "HTTPS" -> {
                    tls = true;
                    r.info("backend-protocol", "applied: HTTPS upstream (TLS origination on the Service's cluster, "
                            + "shared by every Ingress using it)");
                }
                case "GRPC", "GRPCS", "HTTP2" -> {
                    tls = p.equals("GRPCS");
                    protocol = Cluster.UpstreamProtocol.HTTP2;
                    r.info("backend-protocol", "applied: HTTP/2 upstream (" + (tls ? "over TLS, ALPN h2"
                            : "h2c, prior knowledge") + ") on the Service's cluster, shared by every Ingress using it");
                }
                default -> r.error("backend-protocol", "refused: '" + a.get("backend-protocol")
                        + "' (expected: HTTP, HTTPS, GRPC, GRPCS or HTTP2; AJP and FCGI are not supported); HTTP is used");
            }
        }
        UpstreamTls upstreamTls = this.upstreamTls.read(a, tls, protocol, namespace, r);
        String failClosedTls = upstreamTls == UpstreamTlsAnnotations.FAIL_CLOSED_TLS
                ? "proxy-ssl-secret cannot be applied" : null;
        if (upstreamTls == UpstreamTlsAnnotations.FAIL_CLOSED_TLS) {
            upstreamTls = null;
        }
        RetryPolicy[] retries = retries(a, read, r);
        return new Backend(connect, idle, protocol, upstreamTls, failClosedTls, retries[0], retries[1],
                balancer(a, r));
    }

    // ------------------------------------------------------------------------------------------ retries

    /** nginx methods that are idempotent (everything but POST, LOCK, PATCH). */
    private static final java.util.Set<String> NON_IDEMPOTENT = java.util.Set.of("POST", "LOCK", "PATCH");

    /**
     * proxy-next-upstream and proxy-next-upstream-tries: {retries of idempotent requests, retries of the
     * others (null: the same)}; both null without these annotations or with {@code off}.
     */
    private static RetryPolicy[] retries(Map<String, String> a, Duration read, Receipts r) {
        boolean tokens = a.containsKey("proxy-next-upstream");
        boolean tries = a.containsKey("proxy-next-upstream-tries");
        if (!tokens && !tries) {
            return new RetryPolicy[2];
        }
        String key = tokens ? "proxy-next-upstream" : "proxy-next-upstream-tries";
        int n = 3;
        if (tries) {
            n = integer(a, "proxy-next-upstream-tries", 3, r);
            if (n < 0) {
                r.warn("proxy-next-upstream-tries", "ignored: " + n + " (expected: >= 0); 3 is used");
                n = 3;
            } else if (n == 0) {
                r.warn("proxy-next-upstream-tries", "approximated: 0 (unlimited: every upstream once) becomes 4 "
                        + "tries; the kernel's retry budget bounds retries to a failing Service");
                n = 4;
            }
        }
        java.util.Set<String> on = new java.util.TreeSet<>();
        java.util.Set<Integer> codes = new java.util.TreeSet<>();
        boolean nonIdempotent = false;
        boolean timeout = false;
        boolean off = false;
        List<String> approx = new ArrayList<>();
        for (String t : (tokens ? a.get("proxy-next-upstream") : "error timeout").split("[\\s,]+")) {
            switch (t.toLowerCase(Locale.ROOT)) {
                case "" -> { }
                case "error" -> {
                    on.add("connect-failure");
                    on.add("reset");
                }
                case "timeout" -> timeout = true;
                case "invalid_header" -> {
                    on.add("gateway-error");
                    approx.add("invalid_header retries every 502/503/504 (gateway-error): a malformed upstream "
                            + "answer is a 502");
                }
                case "http_500", "http_502", "http_503", "http_504", "http_403", "http_404", "http_429" -> {
                    on.add("retriable-status-codes");
                    codes.add(Integer.parseInt(t.substring(5)));
                }
                case "non_idempotent" -> nonIdempotent = true;
                case "off" -> off = true;
                default -> approx.add("token '" + t + "' ignored (expected: error, timeout, invalid_header, "
                        + "http_500, http_502, http_503, http_504, http_403, http_404, http_429, non_idempotent, off)");
            }
        }
        if (off) {
            if (!r.has(key)) {
                r.info(key, "applied: off, no retries");
            }
            if (tries && !r.has("proxy-next-upstream-tries")) {
                r.warn("proxy-next-upstream-tries", "ignored: proxy-next-upstream is off");
            }
            return new RetryPolicy[2];
        }
        Duration perTry = null;
        if (timeout) {
            on.add("connect-failure");
            if (read != null) {
                perTry = read;
                on.add("gateway-error");
                approx.add("timeout: a try without a response head after proxy-read-timeout (" + read.toSeconds()
                        + "s) is retried (per-try timeout), which the kernel does under gateway-error, so 502, 503 "
                        + "and 504 answers are retried too");
            } else {
                approx.add("timeout: connect timeouts are retried; read timeouts are not, since without "
                        + "proxy-read-timeout there is no per-try timeout");
            }
        }
        if (n <= 1 || on.isEmpty()) {
            r.info(key, "applied: no retries (" + (n <= 1 ? "tries " + n : "no retry condition") + ")");
            if (tries && key.equals("proxy-next-upstream") && !r.has("proxy-next-upstream-tries")) {
                r.info("proxy-next-upstream-tries", "applied: " + n);
            }
            return new RetryPolicy[2];
        }
        RetryPolicy all = new RetryPolicy(n - 1, perTry, on, codes, null);
        RetryPolicy others = null;
        String methods;
        if (nonIdempotent) {
            methods = "for every method (non_idempotent)";
        } else {
            // nginx never passes a non-idempotent request to the next upstream once it was sent: only a
            // connection that could not be opened is retried for POST, PATCH and LOCK.
            others = new RetryPolicy(n - 1, null, java.util.Set.of("connect-failure"), java.util.Set.of(), null);
            methods = "for idempotent methods; POST, PATCH and LOCK only when the connection could not be opened "
                    + "(a route per method class)";
        }
        String what = "route retries: up to " + (n - 1) + " retries on " + on + (codes.isEmpty() ? "" : " " + codes)
                + (perTry == null ? "" : ", per-try timeout " + perTry.toSeconds() + "s") + " " + methods
                + "; bodies over 64 KiB are not retried";
        if (approx.isEmpty()) {
            r.info(key, "applied: " + what);
        } else {
            r.warn(key, "approximated: " + what + "; " + String.join("; ", approx));
        }
        if (tries && key.equals("proxy-next-upstream") && !r.has("proxy-next-upstream-tries")) {
            r.info("proxy-next-upstream-tries", "applied: " + n + " tries (" + (n - 1) + " retries)");
        }
        return new RetryPolicy[] {all, others};
    }

    // ------------------------------------------------------------------------------------------ affinity

    /** A load balancer asked for by annotations, and the cluster-name suffix of its variant. */
    record Balancer(LoadBalancer loadBalancer, String variant) {
    }

    private static Balancer balancer(Map<String, String> a, Receipts r) {
        List<HashPolicy> policies = new ArrayList<>();
        List<String> variant = new ArrayList<>();
        if (a.containsKey("affinity")) {
            String kind = a.get("affinity").toLowerCase(Locale.ROOT);
            if (!kind.equals("cookie")) {
                r.warn("affinity", "ignored: '" + a.get("affinity") + "' (expected: cookie)");
            } else {
                String name = a.getOrDefault("session-cookie-name", "INGRESSCOOKIE");
                if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
                    r.warn("session-cookie-name", "ignored: '" + name + "' is not a cookie name; INGRESSCOOKIE is used");
                    name = "INGRESSCOOKIE";
                } else if (a.containsKey("session-cookie-name")) {
                    r.info("session-cookie-name", "applied");
                }
                Duration ttl = Duration.ZERO; // a session cookie, as ingress-nginx without max-age/expires
                for (String k : List.of("session-cookie-max-age", "session-cookie-expires")) {
                    if (a.containsKey(k)) {
                        Duration d = seconds(a, k, r);
                        if (d != null && ttl.isZero()) {
                            ttl = d;
                            r.info(k, "applied: the cookie's Max-Age is " + d.toSeconds() + "s");
                        } else if (d != null) {
                            r.info(k, "applied: session-cookie-max-age wins");
                        }
                    }
                }
                String path = a.get("session-cookie-path");
                if (path != null && !path.startsWith("/")) {
                    r.warn("session-cookie-path", "ignored: '" + path + "' (expected: a path starting with /); / is "
                            + "used");
                    path = null;
                } else if (path != null) {
                    r.info("session-cookie-path", "applied");
                }
                policies.add(new HashPolicy(HashPolicy.Kind.COOKIE, name, ttl, path));
                variant.add("cookie=" + name + (ttl.isZero() ? "" : ",max-age=" + ttl.toSeconds())
                        + (path == null ? "" : ",path=" + path));
                String mode = a.getOrDefault("affinity-mode", "balanced").toLowerCase(Locale.ROOT);
                if (a.containsKey("affinity-mode")) {
                    if (mode.equals("persistent")) {
                        r.info("affinity-mode", "applied: persistent (a client stays on its endpoint while it is "
                                + "healthy)");
                    } else if (mode.equals("balanced")) {
                        r.warn("affinity-mode", "approximated: balanced behaves as persistent: a client stays on "
                                + "its endpoint while it is healthy, endpoints added later get new clients only");
                    } else {
                        r.warn("affinity-mode", "ignored: '" + mode + "' (expected: balanced or persistent)");
                    }
                }
                r.info("affinity", "applied: ring-hash cluster variant with a generated session cookie " + name
                        + (path == null ? "" : " (Path " + path + ")") + (ttl.isZero() ? " (session cookie)"
                        : " (Max-Age " + ttl.toSeconds() + ")") + "; Ingresses without it keep round robin");
            }
        }
        if (a.containsKey("upstream-hash-by")) {
            String by = a.get("upstream-hash-by");
            Matcher m = HASH_BY.matcher(by);
            HashPolicy hp = null;
            String v = null;
            if (m.matches()) {
                String name = m.group(2);
                switch (m.group(1)) {
                    case "remote_addr", "binary_remote_addr" -> {
                        if (name.isEmpty()) {
                            hp = new HashPolicy(HashPolicy.Kind.SOURCE_IP, null, null, null);
                            v = "source-ip";
                        }
                    }
                    case "http_" -> {
                        if (!name.isEmpty()) {
                            String header = name.replace('_', '-').toLowerCase(Locale.ROOT);
                            hp = new HashPolicy(HashPolicy.Kind.HEADER, header, null, null);
                            v = "header=" + header;
                        }
                    }
                    case "cookie_" -> {
                        if (!name.isEmpty()) {
                            hp = new HashPolicy(HashPolicy.Kind.COOKIE, name, null, null);
                            v = "hash-cookie=" + name;
                        }
                    }
                    case "arg_" -> {
                        if (!name.isEmpty()) {
                            hp = new HashPolicy(HashPolicy.Kind.QUERY_PARAMETER, name, null, null);
                            v = "query=" + name;
                        }
                    }
                    default -> { }
                }
            }
            if (hp == null) {
                r.error("upstream-hash-by", "refused: '" + by + "' (expected one variable: $remote_addr, "
                        + "$http_NAME, $cookie_NAME or $arg_NAME); round robin is used");
            } else {
                policies.add(hp);
                variant.add(v);
                r.info("upstream-hash-by", "applied: ring-hash cluster variant hashing " + v.replace("hash-", "")
                        + (policies.size() > 1 ? " when the affinity cookie is missing" : "")
                        + "; requests without it go to a random endpoint");
            }
        }
        if (policies.isEmpty()) {
            return null;
        }
        return new Balancer(new LoadBalancer(LoadBalancer.Policy.RING_HASH, policies),
                "#" + String.join(";", variant));
    }
}
