package io.tidegate.plugins.kubernetes;

import static io.tidegate.plugins.kubernetes.AnnotationValues.bool;
import static io.tidegate.plugins.kubernetes.AnnotationValues.integer;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.PolicyRef;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How much traffic is admitted and where a share of it goes: canary and canary-*, limit-rps, limit-rpm,
 * limit-burst-multiplier (rate-limit policy), limit-connections (concurrency-limit policy), proxy-body-size and
 * mirror-target with mirror-host and mirror-request-body. Follows the "Canary", "Rate Limiting", "Custom max body
 * size" and "Mirror" sections of
 * <a href="https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/">ingress-nginx's
 * annotations page</a>.
 */
final class TrafficAnnotations {

    private static final Pattern SIZE = Pattern.compile("(\\d+)([kKmMgG]?)");
    private static final Pattern MIRROR_TARGET = Pattern.compile(
            "(?i)(https?)://([a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*)(?::(\\d{1,5}))?"
                    + "/?\\$request_uri");

    private TrafficAnnotations() {
    }

    /** canary and canary-*: the canary settings, null when this Ingress is not a canary. */
    static IngressOptions.Canary canary(Map<String, String> a, Receipts r) {
        boolean canaryOn = bool(a, "canary", false, r);
        if (a.containsKey("canary")) {
            r.info("canary", canaryOn ? "applied: this Ingress is a canary of the Ingress with the same host and path"
                    : "applied: not a canary");
        }
        if (canaryOn) {
            int weight = integer(a, "canary-weight", 0, r);
            int total = integer(a, "canary-weight-total", 100, r);
            if (total < 1) {
                r.warn("canary-weight-total", "ignored: " + total + " (expected: >= 1); 100 is used");
                total = 100;
            }
            weight = Math.max(0, Math.min(weight, total));
            IngressOptions.Canary canary = new IngressOptions.Canary(weight, total, a.get("canary-by-header"),
                    a.get("canary-by-header-value"), a.get("canary-by-header-pattern"), a.get("canary-by-cookie"));
            for (String k : List.of("canary-weight", "canary-weight-total", "canary-by-header", "canary-by-header-value",
                    "canary-by-header-pattern", "canary-by-cookie")) {
                if (a.containsKey(k)) {
                    r.info(k, "applied");
                }
            }
            return canary;
        }
        for (String k : a.keySet()) {
            if (k.startsWith("canary-")) {
                r.warn(k, "ignored: the Ingress is not a canary (canary: \"true\" is missing)");
            }
        }
        return null;
    }

    /** proxy-body-size: the request body limit in bytes ({@link Long#MAX_VALUE}: none); null: the listener's. */
    static Long maxBody(Map<String, String> a, Receipts r) {
        Long maxBody = null;
        if (a.containsKey("proxy-body-size")) {
            Matcher m = SIZE.matcher(a.get("proxy-body-size"));
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                long mult = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                    case "k" -> 1024L;
                    case "m" -> 1024L * 1024;
                    case "g" -> 1024L * 1024 * 1024;
                    default -> 1L;
                };
                maxBody = n == 0 ? Long.MAX_VALUE : n * mult;
                r.info("proxy-body-size", "applied: request bodies over " + (n == 0 ? "(no limit)" : maxBody + " bytes")
                        + (n == 0 ? "" : " are refused with 413"));
            } else {
                r.warn("proxy-body-size", "ignored: '" + a.get("proxy-body-size")
                        + "' is not a size (expected: e.g. 8m, 512k, 1g, 0 for no limit)");
            }
        }
        return maxBody;
    }

    /** limit-rps, limit-rpm, limit-burst-multiplier and limit-connections: adds their policies. */
    static void rateLimits(Map<String, String> a, List<PolicyRef> policies, String origin, Receipts r) {
        // Rate limits: rate-limit policy, ingress-nginx's burst multiplier (5 unless limit-burst-multiplier).
        int multiplier = integer(a, "limit-burst-multiplier", 5, r);
        if (multiplier < 1) {
            r.warn("limit-burst-multiplier", "ignored: " + multiplier + " (expected: >= 1); 5 is used");
            multiplier = 5;
        } else if (a.containsKey("limit-burst-multiplier")) {
            r.info("limit-burst-multiplier", "applied: burst = limit x " + multiplier);
        }
        for (String[] lim : new String[][] {{"limit-rps", "s"}, {"limit-rpm", "m"}}) {
            if (!a.containsKey(lim[0])) {
                continue;
            }
            int n = integer(a, lim[0], -1, r);
            if (n <= 0) {
                r.warn(lim[0], "ignored: '" + a.get(lim[0]) + "' (expected: a positive integer)");
                continue;
            }
            // The rate-limit policy takes a burst of at most 1000000.
            int burst = (int) Math.min(1_000_000L, (long) n * multiplier);
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("rate", n + "/" + lim[1]);
            s.put("burst", burst);
            s.put("key", List.of("client-ip"));
            policies.add(new PolicyRef("rate-limit", ConfigNode.fromObject(s, origin)));
            r.info(lim[0], "applied: policy rate-limit " + n + "/" + lim[1] + " per client IP, burst " + burst);
        }

        // Concurrent requests per client IP: concurrency-limit policy (nginx's limit_conn on $binary_remote_addr).
        if (a.containsKey("limit-connections")) {
            String v = a.get("limit-connections");
            int n = v.matches("\\d{1,9}") ? Integer.parseInt(v) : -1;
            if (n <= 0) {
                r.warn("limit-connections", "ignored: '" + a.get("limit-connections")
                        + "' (expected: a positive integer)");
            } else {
                policies.add(new PolicyRef("concurrency-limit", ConfigNode.fromObject(Map.of("limit", n), origin)));
                r.info("limit-connections", "applied: policy concurrency-limit, at most " + n + " requests in "
                        + "flight per client IP, 503 beyond (nginx counts connections; on HTTP/2 one connection "
                        + "carries several requests)");
            }
        }
    }

    /**
     * mirror-target (with mirror-host, mirror-request-body): every request is also sent to the target, whose
     * answer is dropped. Only {@code scheme://host[:port]/$request_uri} (or without the slash) is supported: the
     * mirror gets the request's own path and query, as with ingress-nginx's documented form.
     */
    static IngressOptions.Mirror mirror(Map<String, String> a, Receipts r) {
        String target = a.get("mirror-target");
        if (target == null) {
            for (String k : List.of("mirror-host", "mirror-request-body")) {
                if (a.containsKey(k)) {
                    r.warn(k, "ignored: needs mirror-target");
                }
            }
            return null;
        }
        Matcher m = MIRROR_TARGET.matcher(target);
        if (!m.matches()) {
            r.warn("mirror-target", "ignored, not mirrored: '" + target + "' (expected: http(s)://host[:port]/"
                    + "$request_uri; other paths and nginx variables are not supported)");
            for (String k : List.of("mirror-host", "mirror-request-body")) {
                if (a.containsKey(k)) {
                    r.warn(k, "ignored: mirror-target is not applied");
                }
            }
            return null;
        }
        boolean tls = m.group(1).equalsIgnoreCase("https");
        String host = m.group(2).toLowerCase(Locale.ROOT);
        int port = m.group(3) == null ? (tls ? 443 : 80) : Integer.parseInt(m.group(3));
        if (port < 1 || port > 65535) {
            r.warn("mirror-target", "ignored, not mirrored: port " + port + " (expected: 1-65535)");
            return null;
        }
        r.info("mirror-target", "applied: every request is mirrored (100%) to " + host + ":" + port
                + (tls ? " over TLS (certificate not verified, as nginx's proxy_ssl_verify off)" : "")
                + " with its own path, query and Host header; the mirror's answer is dropped");
        if (a.containsKey("mirror-host")) {
            r.warn("mirror-host", "approximated: the mirrored request keeps the client's Host header ("
                    + a.get("mirror-host") + " is not sent); SNI is the mirror-target's host");
        }
        if (a.containsKey("mirror-request-body")) {
            String v = a.get("mirror-request-body").toLowerCase(Locale.ROOT);
            if (v.equals("on")) {
                r.info("mirror-request-body", "applied: the body is mirrored");
            } else if (v.equals("off")) {
                r.warn("mirror-request-body", "approximated: the engine mirrors requests with their body; off is not "
                        + "honoured (the mirror gets the same bytes the backend gets)");
            } else {
                r.warn("mirror-request-body", "ignored: '" + v + "' (expected: on or off); on is used");
            }
        }
        return new IngressOptions.Mirror(host, port, tls);
    }
}
