package io.tidegate.plugins.kubernetes;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.CorsPolicy;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.HashPolicy;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.PolicyRef;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.RetryPolicy;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.StringMatch;
import io.tidegate.spi.model.UpstreamTls;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the {@code nginx.ingress.kubernetes.io/*} annotations of one Ingress into {@link IngressOptions}
 * and writes a receipt for each: applied (info), approximated or ignored (warning, with why), refused
 * (error). Pure: the Ingress and a Secret lookup in, options and receipts out.
 */
final class AnnotationParser {

    static final String PREFIX = "nginx.ingress.kubernetes.io/";

    private static final Pattern CIDR = Pattern.compile(
            "(\\d{1,3}(\\.\\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)(/\\d{1,3})?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)([kKmMgG]?)");
    private static final Pattern SECONDS = Pattern.compile("(\\d+)(s?)");

    /** Annotations the engine cannot honour, with why. */
    private static final Map<String, String> NO_HOOK = Map.ofEntries(
            Map.entry("limit-whitelist", "needs rate-limit exemptions by source range, which the rate-limit "
                    + "policy does not have; the limit applies to every client"),
            Map.entry("mirror-uri", "ingress-nginx's older internal-location form; use mirror-target"),
            Map.entry("proxy-next-upstream-timeout", "no limit on the time spent on retries; the route's "
                    + "timeouts (and the per-try timeout) apply"),
            Map.entry("affinity-canary-behavior", "a canary Ingress's backend is chosen by its weight, header "
                    + "or cookie, never by the affinity cookie"),
            Map.entry("auth-tls-secret", "client certificates are verified by the https listener "
                    + "(clientAuth, clientCaFile in tidegate.yaml), not per Ingress"),
            Map.entry("auth-tls-verify-client", "client certificates are verified by the https listener "
                    + "(clientAuth, clientCaFile in tidegate.yaml), not per Ingress"));

    /** ingress-nginx's CORS defaults. */
    static final List<String> CORS_METHODS = List.of("GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS");
    static final List<String> CORS_HEADERS = List.of("DNT", "Keep-Alive", "User-Agent", "X-Requested-With",
            "If-Modified-Since", "Cache-Control", "Content-Type", "Range", "Authorization");
    static final Duration CORS_MAX_AGE = Duration.ofSeconds(1728000);
    private static final Pattern ORIGIN = Pattern.compile(
            "(https?)://(\\*\\.)?([A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*)(:\\d{1,5})?");
    private static final Pattern MIRROR_TARGET = Pattern.compile(
            "(?i)(https?)://([a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*)(?::(\\d{1,5}))?"
                    + "/?\\$request_uri");
    private static final Pattern HASH_BY = Pattern.compile(
            "\\$(remote_addr|binary_remote_addr|http_|cookie_|arg_)(\\w*)");

    private final BiFunction<String, String, Secret> secrets;
    private final boolean httpsListeners;

    /**
     * @param secrets looks a Secret up by namespace and name; null when absent
     * @param httpsListeners whether tidegate.yaml has an https listener to redirect to
     */
    AnnotationParser(BiFunction<String, String, Secret> secrets, boolean httpsListeners) {
        this.secrets = secrets;
        this.httpsListeners = httpsListeners;
    }

    record Result(IngressOptions options, List<Diagnostic> receipts) {
    }

    Result parse(Ingress ingress, Provenance object) {
        Map<String, String> all = ingress.getMetadata().getAnnotations() == null ? Map.of()
                : ingress.getMetadata().getAnnotations();
        Map<String, String> a = new TreeMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith(PREFIX)) {
                a.put(k.substring(PREFIX.length()), v == null ? "" : v.trim());
            }
        });
        String namespace = ingress.getMetadata().getNamespace();
        Receipts r = new Receipts(object);
        List<PolicyRef> policies = new ArrayList<>();
        String origin = object.toString();

        boolean canaryOn = bool(a, "canary", false, r);
        if (a.containsKey("canary")) {
            r.info("canary", canaryOn ? "applied: this Ingress is a canary of the Ingress with the same host and path"
                    : "applied: not a canary");
        }

        String rewrite = a.get("rewrite-target");
        boolean regex = bool(a, "use-regex", false, r) || rewrite != null;
        if (a.containsKey("use-regex")) {
            r.info("use-regex", "applied: Prefix and ImplementationSpecific paths are case-insensitive RE2 regexes "
                    + "anchored at the start, as ingress-nginx's ~* locations");
        }
        String substitution = null;
        if (rewrite != null) {
            substitution = rewrite.replaceAll("\\$(\\d)", "\\\\$1");
            r.info("rewrite-target", "applied: the path is rewritten to '" + rewrite
                    + "' ($1..$9 are the path regex's capture groups; the path is treated as a regex)");
        }

        boolean ssl = bool(a, "ssl-redirect", true, r);
        boolean force = bool(a, "force-ssl-redirect", false, r);
        for (String k : List.of("ssl-redirect", "force-ssl-redirect")) {
            if (!a.containsKey(k) || r.has(k)) {
                continue;
            }
            if (k.equals("ssl-redirect") && !ssl || k.equals("force-ssl-redirect") && !force) {
                r.info(k, "applied: no redirect to https");
            } else if (httpsListeners) {
                r.info(k, "applied: plain-HTTP requests for " + (k.equals("ssl-redirect") ? "TLS hosts" : "every host")
                        + " of this Ingress get 308 to https" + (k.equals("ssl-redirect") && !ssl ? " (off)" : ""));
            } else {
                r.warn(k, "ignored: tidegate.yaml has no https listener to redirect to; plain HTTP is served");
            }
        }

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
        UpstreamTls upstreamTls = upstreamTls(a, tls, protocol, namespace, r);
        String failClosedTls = upstreamTls == FAIL_CLOSED_TLS ? "proxy-ssl-secret cannot be applied" : null;
        if (upstreamTls == FAIL_CLOSED_TLS) {
            upstreamTls = null;
        }

        IngressOptions.Canary canary = null;
        if (canaryOn) {
            int weight = integer(a, "canary-weight", 0, r);
            int total = integer(a, "canary-weight-total", 100, r);
            if (total < 1) {
                r.warn("canary-weight-total", "ignored: " + total + " (expected: >= 1); 100 is used");
                total = 100;
            }
            weight = Math.max(0, Math.min(weight, total));
            canary = new IngressOptions.Canary(weight, total, a.get("canary-by-header"),
                    a.get("canary-by-header-value"), a.get("canary-by-header-pattern"), a.get("canary-by-cookie"));
            for (String k : List.of("canary-weight", "canary-weight-total", "canary-by-header", "canary-by-header-value",
                    "canary-by-header-pattern", "canary-by-cookie")) {
                if (a.containsKey(k)) {
                    r.info(k, "applied");
                }
            }
        } else {
            for (String k : a.keySet()) {
                if (k.startsWith("canary-")) {
                    r.warn(k, "ignored: the Ingress is not a canary (canary: \"true\" is missing)");
                }
            }
        }

        // Access lists: ip-access policy.
        Map<String, Object> access = new LinkedHashMap<>();
        String allow = a.containsKey("whitelist-source-range") ? "whitelist-source-range"
                : a.containsKey("allowlist-source-range") ? "allowlist-source-range" : null;
        String failClosed = failClosedTls;
        for (String k : new String[] {allow, "denylist-source-range"}) {
            if (k == null || !a.containsKey(k)) {
                continue;
            }
            List<String> cidrs = new ArrayList<>();
            boolean bad = false;
            for (String c : a.get(k).split(",")) {
                String t = c.trim();
                if (t.isEmpty()) {
                    continue;
                }
                if (!CIDR.matcher(t).matches()) {
                    bad = true;
                    r.error(k, "refused: '" + t + "' is not an IP or CIDR; every path of this Ingress answers 503 "
                            + "(an access list that cannot be applied fails closed)");
                    failClosed = k + " is invalid";
                }
                cidrs.add(t);
            }
            if (!bad) {
                access.put(k.equals("denylist-source-range") ? "deny" : "allow", cidrs);
                r.info(k, "applied: policy ip-access " + (k.equals("denylist-source-range") ? "deny " : "allow ")
                        + cidrs);
            }
        }
        if (!access.isEmpty()) {
            policies.add(new PolicyRef("ip-access", ConfigNode.fromObject(access, origin)));
        }

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

        // Authentication.
        if (a.containsKey("auth-type")) {
            String type = a.get("auth-type").toLowerCase(Locale.ROOT);
            if (!type.equals("basic")) {
                r.error("auth-type", "refused: '" + type + "' (expected: basic); every path of this Ingress answers "
                        + "503 (authentication that cannot be applied fails closed)");
                failClosed = "auth-type " + type + " is not supported";
            } else {
                String htpasswd = htpasswd(a, namespace, r);
                if (htpasswd == null) {
                    r.error("auth-type", "refused: the auth-secret cannot be read; every path of this Ingress "
                            + "answers 503 (authentication that cannot be applied fails closed)");
                    failClosed = "the auth-secret cannot be read";
                } else {
                    Map<String, Object> s = new LinkedHashMap<>();
                    s.put("htpasswd", htpasswd);
                    s.put("realm", a.getOrDefault("auth-realm", "Authentication Required"));
                    policies.add(new PolicyRef("basic-auth", ConfigNode.fromObject(s, origin)));
                    r.info("auth-type", "applied: policy basic-auth");
                    for (String k : List.of("auth-secret", "auth-secret-type", "auth-realm")) {
                        if (a.containsKey(k)) {
                            r.info(k, "applied");
                        }
                    }
                }
            }
        } else if (a.containsKey("auth-secret")) {
            r.warn("auth-secret", "ignored: auth-type is missing (expected: auth-type: basic)");
        }
        if (a.containsKey("auth-url")) {
            String url = a.get("auth-url");
            try {
                URI u = new URI(url);
                if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
                        || u.getHost() == null) {
                    throw new URISyntaxException(url, "not an absolute http(s) URL");
                }
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("url", url);
                boolean ok = true;
                if (a.containsKey("auth-method")) {
                    String method = a.get("auth-method").toUpperCase(Locale.ROOT);
                    if (List.of("GET", "HEAD", "POST").contains(method)) {
                        s.put("method", method);
                        r.info("auth-method", "applied");
                    } else {
                        ok = false;
                        r.error("auth-method", "refused: '" + a.get("auth-method") + "' (expected: GET, HEAD or "
                                + "POST); every path of this Ingress answers 503 (authentication that cannot be "
                                + "applied fails closed)");
                        failClosed = "auth-method is not supported";
                    }
                }
                if (a.containsKey("auth-response-headers")) {
                    List<String> headers = new ArrayList<>();
                    for (String h : a.get("auth-response-headers").split(",")) {
                        if (!h.isBlank()) {
                            headers.add(h.trim());
                        }
                    }
                    s.put("authResponseHeaders", headers);
                    r.info("auth-response-headers", "applied: the auth service's " + headers
                            + " are copied into the request forwarded");
                }
                if (a.containsKey("auth-signin")) {
                    String signin = a.get("auth-signin");
                    if (absoluteHttp(signin)) {
                        s.put("signinUrl", signin);
                        r.info("auth-signin", "applied: a 401 from the auth service becomes a 302 to " + signin
                                + " with the original URL in ?rd=");
                    } else {
                        r.warn("auth-signin", "ignored: '" + signin + "' is not an absolute http(s) URL (nginx "
                                + "variables such as $host are not expanded); a 401 is passed on as it came");
                    }
                }
                if (a.containsKey("auth-signin-redirect-param")) {
                    String param = a.get("auth-signin-redirect-param");
                    if (!s.containsKey("signinUrl")) {
                        r.warn("auth-signin-redirect-param", "ignored: needs a valid auth-signin");
                    } else if (param.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
                        s.put("signinRedirectParam", param);
                        r.info("auth-signin-redirect-param", "applied: the original URL goes in ?" + param + "=");
                    } else {
                        r.warn("auth-signin-redirect-param", "ignored: '" + param + "' is not a query parameter "
                                + "name; rd is used");
                    }
                }
                if (ok) {
                    policies.add(new PolicyRef("ext-auth", ConfigNode.fromObject(s, origin)));
                    r.info("auth-url", "applied: policy ext-auth " + url);
                } else {
                    r.error("auth-url", "refused: auth-method cannot be applied; every path of this Ingress answers "
                            + "503 (authentication that cannot be applied fails closed)");
                }
            } catch (URISyntaxException e) {
                r.error("auth-url", "refused: '" + url + "' is not an absolute http(s) URL; every path of this "
                        + "Ingress answers 503 (authentication that cannot be applied fails closed)");
                failClosed = "auth-url is invalid";
            }
        }

        String vhost = a.get("upstream-vhost");
        if (vhost != null) {
            r.info("upstream-vhost", "applied: Host sent upstream is " + vhost);
        }
        String appRoot = a.get("app-root");
        if (appRoot != null) {
            if (!appRoot.startsWith("/")) {
                r.warn("app-root", "ignored: '" + appRoot + "' (expected: a path starting with /)");
                appRoot = null;
            } else {
                r.info("app-root", "applied: / redirects (302) to " + appRoot);
            }
        }

        RouteAction.Redirect redirect = null;
        for (String[] kind : new String[][] {{"permanent-redirect", "301"}, {"temporal-redirect", "302"}}) {
            if (!a.containsKey(kind[0]) || redirect != null) {
                continue;
            }
            int code = integer(a, kind[0] + "-code", Integer.parseInt(kind[1]), r);
            if (a.containsKey(kind[0] + "-code")) {
                r.info(kind[0] + "-code", "applied");
            }
            try {
                URI u = new URI(a.get(kind[0]));
                if (u.getScheme() == null || u.getHost() == null) {
                    throw new URISyntaxException(a.get(kind[0]), "not an absolute URL");
                }
                String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
                if (u.getRawQuery() != null) {
                    path = path + "?" + u.getRawQuery();
                }
                redirect = new RouteAction.Redirect(u.getScheme(), u.getHost(), u.getPort() < 0 ? 0 : u.getPort(),
                        path, null, code, true);
                r.info(kind[0], "applied: every path redirects (" + code + ") to " + a.get(kind[0]));
            } catch (URISyntaxException | IllegalArgumentException e) {
                r.warn(kind[0], "ignored: " + e.getMessage());
            }
        }

        IngressOptions.Mirror mirror = mirror(a, r);
        CorsPolicy cors = cors(a, r);
        RetryPolicy[] retries = retries(a, read, r);
        Balancer balancer = balancer(a, r);
        if (canaryOn) {
            balancer = null; // reported as ignored by canaryOnly(): the main Ingress's cluster choice applies
        }

        for (Map.Entry<String, String> e : a.entrySet()) {
            String k = e.getKey();
            if (k.endsWith("-snippet") || k.equals("configuration-snippet") || k.equals("server-snippet")) {
                r.error(k, "refused: snippets are never executed (raw nginx configuration cannot be translated "
                        + "safely); the rest of the Ingress applies without it");
            } else if (r.has(k)) {
                continue;
            } else if (k.startsWith("session-cookie-")) {
                r.warn(k, "ignored: " + (a.containsKey("affinity") ? "not supported by the engine's affinity "
                        + "cookies (Path, Max-Age and HttpOnly only; Secure on https)" : "needs affinity: cookie"));
            } else if (k.startsWith("cors-")) {
                r.warn(k, "ignored: needs enable-cors: \"true\"");
            } else if (k.startsWith("proxy-ssl-")) {
                r.warn(k, "ignored: " + (upstreamTls == null ? "needs backend-protocol: HTTPS"
                        : "not supported for upstream TLS (supported: proxy-ssl-secret, -verify, -name, -server-name)"));
            } else if (NO_HOOK.containsKey(k)) {
                r.warn(k, "ignored: " + NO_HOOK.get(k));
            } else {
                r.warn(k, "ignored: not supported by Tidegate (see docs/source-kubernetes.md for the annotations "
                        + "it understands)");
            }
        }

        if (canaryOn) {
            r.canaryOnly();
        }
        IngressOptions options = new IngressOptions(regex, substitution, ssl, force, maxBody, connect, idle, protocol,
                upstreamTls, canary, policies, vhost, appRoot, redirect, failClosed, cors, retries[0], retries[1],
                balancer == null ? null : balancer.loadBalancer(), balancer == null ? null : balancer.variant(), mirror);
        return new Result(options, r.list());
    }

    // ------------------------------------------------------------------------------------------ mirror

    /**
     * mirror-target (with mirror-host, mirror-request-body): every request is also sent to the target, whose
     * answer is dropped. Only {@code scheme://host[:port]/$request_uri} (or without the slash) is supported: the
     * mirror gets the request's own path and query, as with ingress-nginx's documented form.
     */
    private static IngressOptions.Mirror mirror(Map<String, String> a, Receipts r) {
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

    // ------------------------------------------------------------------------------------------ cors

    /** enable-cors and cors-*, with ingress-nginx's defaults. */
    private static CorsPolicy cors(Map<String, String> a, Receipts r) {
        if (!a.containsKey("enable-cors")) {
            return null;
        }
        if (!bool(a, "enable-cors", false, r)) {
            if (!r.has("enable-cors")) {
                r.info("enable-cors", "applied: no CORS");
            }
            return null;
        }
        List<StringMatch> origins = new ArrayList<>();
        boolean any = false;
        List<String> shown = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        for (String o : list(a.getOrDefault("cors-allow-origin", "*"))) {
            if (o.equals("*")) {
                any = true;
            } else {
                Matcher m = ORIGIN.matcher(o);
                if (!m.matches()) {
                    bad.add(o);
                    continue;
                }
                shown.add(o);
                if (m.group(2) != null) {
                    // *.example.com: one label or more, as ingress-nginx's origin regex
                    origins.add(new StringMatch(StringMatch.Kind.REGEX, IngressTranslator.quote(m.group(1))
                            + "://[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\." + IngressTranslator.quote(m.group(3))
                            + (m.group(5) == null ? "" : IngressTranslator.quote(m.group(5))), true));
                } else {
                    origins.add(new StringMatch(StringMatch.Kind.EXACT, o, true));
                }
            }
        }
        if (any) {
            origins = List.of(StringMatch.regex(".*"));
        }
        if (!bad.isEmpty()) {
            r.warn("cors-allow-origin", (origins.isEmpty() ? "ignored" : "applied in part") + ": not origins: " + bad
                    + " (expected: *, or origins such as https://example.com, https://*.example.com:8443, "
                    + "comma-separated)" + (origins.isEmpty() ? "" : "; allowed: " + (any ? "every origin" : shown)));
        }
        if (origins.isEmpty()) {
            r.warn("enable-cors", "ignored: cors-allow-origin names no valid origin; no CORS");
            return null;
        }
        List<String> methods = new ArrayList<>();
        for (String m : a.containsKey("cors-allow-methods") ? list(a.get("cors-allow-methods")) : CORS_METHODS) {
            methods.add(m.toUpperCase(Locale.ROOT));
        }
        List<String> headers = a.containsKey("cors-allow-headers") ? list(a.get("cors-allow-headers")) : CORS_HEADERS;
        List<String> expose = list(a.getOrDefault("cors-expose-headers", ""));
        boolean credentials = bool(a, "cors-allow-credentials", true, r);
        Duration maxAge = CORS_MAX_AGE;
        if (a.containsKey("cors-max-age")) {
            int n = integer(a, "cors-max-age", -1, r);
            if (n >= 0) {
                maxAge = Duration.ofSeconds(n);
                r.info("cors-max-age", "applied: Access-Control-Max-Age " + n);
            } else if (!r.has("cors-max-age")) {
                r.warn("cors-max-age", "ignored: " + n + " (expected: seconds, >= 0); 1728000 is used");
            }
        }
        for (String k : List.of("cors-allow-methods", "cors-allow-headers", "cors-expose-headers")) {
            if (a.containsKey(k)) {
                r.info(k, "applied");
            }
        }
        if (any && credentials) {
            // nginx answers "Access-Control-Allow-Origin: *" with "-Allow-Credentials: true", which browsers
            // refuse for credentialed requests; the kernel echoes the Origin, so credentials stay off to keep
            // credentialed cross-origin reads refused, as they are behind ingress-nginx.
            credentials = false;
            r.warn("cors-allow-credentials", "approximated: with origin * the Origin is echoed and "
                    + "Access-Control-Allow-Credentials is not sent, so browsers refuse credentialed cross-origin "
                    + "reads, as they refuse ingress-nginx's '*' with credentials; name the origins to allow "
                    + "credentials");
        } else if (a.containsKey("cors-allow-credentials") && !r.has("cors-allow-credentials")) {
            r.info("cors-allow-credentials", "applied: " + credentials);
        }
        if (a.containsKey("cors-allow-origin") && !r.has("cors-allow-origin")) {
            r.info("cors-allow-origin", "applied: " + (any ? "every origin (echoed)" : shown));
        }
        r.info("enable-cors", "applied: route CORS policy (preflights answered by the gateway" + (any ? ", every origin"
                : ", origins " + shown) + ")");
        return new CorsPolicy(origins, methods, headers, expose, maxAge, credentials);
    }

    private static List<String> list(String csv) {
        List<String> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------ retries

    /** nginx methods that are idempotent (everything but POST, LOCK, PATCH). */
    static final java.util.Set<String> NON_IDEMPOTENT = java.util.Set.of("POST", "LOCK", "PATCH");

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

    // ------------------------------------------------------------------------------------------ upstream TLS

    /** Marks proxy-ssl-secret that cannot be read: the paths fail closed rather than skip verification. */
    private static final UpstreamTls FAIL_CLOSED_TLS = new UpstreamTls(null, null, true, null, null, List.of(),
            List.of());

    private UpstreamTls upstreamTls(Map<String, String> a, boolean tls, Cluster.UpstreamProtocol protocol,
                                    String namespace, Receipts r) {
        if (!tls) {
            return null;
        }
        boolean verify = false; // proxy_ssl_verify off, nginx's default
        if (a.containsKey("proxy-ssl-verify")) {
            String v = a.get("proxy-ssl-verify").toLowerCase(Locale.ROOT);
            if (v.equals("on") || v.equals("off")) {
                verify = v.equals("on");
                r.info("proxy-ssl-verify", "applied: the upstream certificate is " + (verify ? "" : "not ")
                        + "verified");
            } else {
                r.warn("proxy-ssl-verify", "ignored: '" + v + "' (expected: on or off); off is used");
            }
        }
        String sni = null;
        if (a.containsKey("proxy-ssl-name")) {
            sni = a.get("proxy-ssl-name").toLowerCase(Locale.ROOT);
            r.info("proxy-ssl-name", "applied: the upstream's name is " + sni + " (sent as SNI, verified when "
                    + "proxy-ssl-verify is on)");
        }
        if (a.containsKey("proxy-ssl-server-name")) {
            String v = a.get("proxy-ssl-server-name").toLowerCase(Locale.ROOT);
            if (v.equals("on")) {
                r.info("proxy-ssl-server-name", "applied: SNI is " + (sni != null ? sni : "the endpoint's host name "
                        + "(none for pod IPs)"));
            } else {
                r.warn("proxy-ssl-server-name", "approximated: the kernel sends SNI when it has a name "
                        + "(proxy-ssl-name, or an ExternalName host), whatever this says");
            }
        }
        String ca = null;
        String crt = null;
        String key = null;
        if (a.containsKey("proxy-ssl-secret")) {
            String ref = a.get("proxy-ssl-secret");
            String ns = namespace == null ? "default" : namespace;
            String name = ref;
            int slash = ref.indexOf('/');
            if (slash >= 0) {
                ns = ref.substring(0, slash);
                name = ref.substring(slash + 1);
            }
            Secret secret = secrets.apply(ns, name);
            Map<String, String> data = secret == null ? Map.of() : secretData(secret);
            ca = data.get("ca.crt");
            crt = data.get("tls.crt");
            key = data.get("tls.key");
            if (secret == null || ca == null && (crt == null || key == null)) {
                r.error("proxy-ssl-secret", "refused: " + (secret == null ? "Secret " + ns + "/" + name + " not found"
                        : "Secret " + ns + "/" + name + " has neither ca.crt nor tls.crt and tls.key")
                        + "; every path of this Ingress answers 503 until it can be read");
                return FAIL_CLOSED_TLS;
            }
            if (crt == null || key == null) {
                crt = null;
                key = null;
            }
            r.info("proxy-ssl-secret", "applied: " + (ca != null ? "CA bundle ca.crt" : "")
                    + (ca != null && crt != null ? ", " : "") + (crt != null ? "client certificate tls.crt/tls.key" : "")
                    + (ca != null && !verify ? " (used when proxy-ssl-verify is on)" : ""));
        }
        return new UpstreamTls(sni, ca, verify, crt, key,
                protocol == Cluster.UpstreamProtocol.HTTP2 ? List.of("h2") : List.of(), List.of());
    }

    private static boolean absoluteHttp(String url) {
        try {
            URI u = new URI(url);
            return u.getScheme() != null && (u.getScheme().equals("http") || u.getScheme().equals("https"))
                    && u.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private String htpasswd(Map<String, String> a, String namespace, Receipts r) {
        String ref = a.get("auth-secret");
        if (ref == null || ref.isBlank()) {
            r.error("auth-type", "refused: auth-type basic needs auth-secret; every path of this Ingress answers 503");
            return null;
        }
        String ns = namespace;
        String name = ref;
        int slash = ref.indexOf('/');
        if (slash >= 0) {
            ns = ref.substring(0, slash);
            name = ref.substring(slash + 1);
        }
        Secret secret = secrets.apply(ns, name);
        if (secret == null) {
            r.error("auth-secret", "refused: Secret " + ns + "/" + name + " not found; every path of this Ingress "
                    + "answers 503 until it exists");
            return null;
        }
        String type = a.getOrDefault("auth-secret-type", "auth-file");
        Map<String, String> data = secretData(secret);
        if (type.equals("auth-map")) {
            StringBuilder sb = new StringBuilder();
            new TreeMap<>(data).forEach((user, hash) -> sb.append(user).append(':').append(hash.trim()).append('\n'));
            return sb.toString();
        }
        String auth = data.get("auth");
        if (auth == null) {
            r.error("auth-secret", "refused: Secret " + ns + "/" + name + " has no key 'auth' (htpasswd content); "
                    + "every path of this Ingress answers 503");
            return null;
        }
        return auth;
    }

    /** A Secret's decoded data, with stringData (manifests) on top. */
    static Map<String, String> secretData(Secret secret) {
        Map<String, String> out = new TreeMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> {
                try {
                    out.put(k, new String(Base64.getMimeDecoder().decode(v == null ? "" : v), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    // not base64: left out, the caller reports the key as missing
                }
            });
        }
        if (secret.getStringData() != null) {
            out.putAll(secret.getStringData());
        }
        return out;
    }

    private static boolean bool(Map<String, String> a, String key, boolean fallback, Receipts r) {
        String v = a.get(key);
        if (v == null) {
            return fallback;
        }
        if (v.equalsIgnoreCase("true")) {
            return true;
        }
        if (v.equalsIgnoreCase("false")) {
            return false;
        }
        r.warn(key, "ignored: '" + v + "' (expected: \"true\" or \"false\"); " + fallback + " is used");
        return fallback;
    }

    private static int integer(Map<String, String> a, String key, int fallback, Receipts r) {
        String v = a.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            r.warn(key, "ignored: '" + v + "' is not an integer; " + fallback + " is used");
            return fallback;
        }
    }

    private static Duration seconds(Map<String, String> a, String key, Receipts r) {
        String v = a.get(key);
        if (v == null) {
            return null;
        }
        Matcher m = SECONDS.matcher(v);
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            r.warn(key, "ignored: '" + v + "' (expected: a positive number of seconds, e.g. 60)");
            return null;
        }
        return Duration.ofSeconds(Long.parseLong(m.group(1)));
    }

    /** The receipts of one Ingress. */
    static final class Receipts {
        private final Provenance object;
        private final Map<String, Diagnostic> byKey = new TreeMap<>();

        Receipts(Provenance object) {
            this.object = object;
        }

        boolean has(String key) {
            return byKey.containsKey(key);
        }

        void info(String key, String message) {
            put(key, Diagnostic.Severity.INFO, message);
        }

        void warn(String key, String message) {
            put(key, Diagnostic.Severity.WARNING, message);
        }

        void error(String key, String message) {
            put(key, Diagnostic.Severity.ERROR, message);
        }

        private void put(String key, Diagnostic.Severity severity, String message) {
            Diagnostic old = byKey.get(key);
            if (old != null && old.severity().compareTo(severity) <= 0) {
                return; // the worse (errors sort first) receipt stays
            }
            byKey.put(key, new Diagnostic(severity, object, "metadata.annotations." + PREFIX + key, key + ": "
                    + message));
        }

        /** A canary Ingress contributes its backend only: its other annotations do not apply (ingress-nginx). */
        void canaryOnly() {
            for (Map.Entry<String, Diagnostic> e : byKey.entrySet()) {
                String k = e.getKey();
                if (!k.equals("canary") && !k.startsWith("canary-")
                        && e.getValue().severity() == Diagnostic.Severity.INFO) {
                    e.setValue(new Diagnostic(Diagnostic.Severity.WARNING, object, e.getValue().field(), k
                            + ": ignored: on a canary Ingress, the main Ingress's annotations apply to canary traffic"));
                }
            }
        }

        List<Diagnostic> list() {
            return List.copyOf(byKey.values());
        }
    }
}
