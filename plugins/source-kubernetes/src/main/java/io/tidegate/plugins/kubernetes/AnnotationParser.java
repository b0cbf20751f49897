package io.tidegate.plugins.kubernetes;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.PolicyRef;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.RouteAction;
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

    /** Annotations the engine cannot honour yet, with the engine feature they need. */
    private static final Map<String, String> NEEDS_ENGINE = Map.ofEntries(
            Map.entry("enable-cors", "cors"),
            Map.entry("proxy-next-upstream", "retries"),
            Map.entry("proxy-next-upstream-tries", "retries"),
            Map.entry("proxy-next-upstream-timeout", "retries"),
            Map.entry("affinity", "cookie affinity (ring-hash balancing)"),
            Map.entry("affinity-mode", "cookie affinity (ring-hash balancing)"),
            Map.entry("affinity-canary-behavior", "cookie affinity (ring-hash balancing)"),
            Map.entry("limit-connections", "per-route concurrent connection limits"),
            Map.entry("limit-whitelist", "rate-limit exemptions by source range"),
            Map.entry("upstream-hash-by", "consistent-hash balancing"),
            Map.entry("mirror-target", "mirrors"),
            Map.entry("mirror-uri", "mirrors"),
            Map.entry("proxy-ssl-secret", "upstream TLS"),
            Map.entry("proxy-ssl-verify", "upstream TLS"),
            Map.entry("proxy-ssl-name", "upstream TLS"),
            Map.entry("auth-tls-secret", "client certificates (https listeners)"),
            Map.entry("auth-tls-verify-client", "client certificates (https listeners)"));

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
                r.warn(k, "ignored: needs an https listener (certificates are not served in this build); "
                        + "plain HTTP is served");
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
                case "HTTPS", "GRPC", "GRPCS" -> {
                    tls = p.equals("HTTPS") || p.equals("GRPCS");
                    protocol = p.startsWith("GRPC") ? Cluster.UpstreamProtocol.HTTP2 : Cluster.UpstreamProtocol.HTTP1;
                    r.warn("backend-protocol", "not served: " + p + " needs engine feature "
                            + (tls ? "upstream TLS" : "") + (tls && p.startsWith("GRPC") ? " and " : "")
                            + (p.startsWith("GRPC") ? "HTTP/2 upstreams" : "")
                            + " (not in this build); the Service's cluster is published with it, the kernel rejects "
                            + "it and these paths answer 503 until the engine supports it");
                }
                default -> r.error("backend-protocol", "refused: '" + a.get("backend-protocol")
                        + "' (expected: HTTP, HTTPS, GRPC or GRPCS; AJP and FCGI are not supported); HTTP is used");
            }
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
        String failClosed = null;
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
        if (a.containsKey("limit-burst-multiplier")) {
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
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("rate", n + "/" + lim[1]);
            s.put("burst", n * multiplier);
            s.put("key", List.of("client-ip"));
            policies.add(new PolicyRef("rate-limit", ConfigNode.fromObject(s, origin)));
            r.info(lim[0], "applied: policy rate-limit " + n + "/" + lim[1] + " per client IP, burst " + n * multiplier);
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
                if (a.containsKey("auth-method")) {
                    s.put("method", a.get("auth-method").toUpperCase(Locale.ROOT));
                    r.info("auth-method", "applied");
                }
                if (a.containsKey("auth-response-headers")) {
                    List<String> headers = new ArrayList<>();
                    for (String h : a.get("auth-response-headers").split(",")) {
                        if (!h.isBlank()) {
                            headers.add(h.trim());
                        }
                    }
                    s.put("responseHeaders", headers);
                    r.info("auth-response-headers", "applied");
                }
                policies.add(new PolicyRef("ext-auth", ConfigNode.fromObject(s, origin)));
                r.info("auth-url", "applied: policy ext-auth " + url);
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

        for (Map.Entry<String, String> e : a.entrySet()) {
            String k = e.getKey();
            if (k.endsWith("-snippet") || k.equals("configuration-snippet") || k.equals("server-snippet")) {
                r.error(k, "refused: snippets are never executed (raw nginx configuration cannot be translated "
                        + "safely); the rest of the Ingress applies without it");
            } else if (k.startsWith("session-cookie-")) {
                r.warn(k, "ignored: needs engine feature cookie affinity (ring-hash balancing), not in this build");
            } else if (k.startsWith("cors-")) {
                r.warn(k, "ignored: needs engine feature cors, not in this build");
            } else if (NEEDS_ENGINE.containsKey(k)) {
                r.warn(k, "ignored: needs engine feature " + NEEDS_ENGINE.get(k) + ", not in this build");
            } else if (!r.has(k)) {
                r.warn(k, "ignored: not supported by Tidegate (see docs/source-kubernetes.md for the annotations "
                        + "it understands)");
            }
        }

        if (canaryOn) {
            r.canaryOnly();
        }
        IngressOptions options = new IngressOptions(regex, substitution, ssl, force, maxBody, connect, idle, protocol,
                tls, canary, policies, vhost, appRoot, redirect, failClosed);
        return new Result(options, r.list());
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
