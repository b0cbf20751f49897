package io.tidegate.plugins.kubernetes;

import io.fabric8.kubernetes.api.model.Secret;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.PolicyRef;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * Who may reach the backend: whitelist-source-range (allowlist-source-range) and denylist-source-range as the
 * ip-access policy, auth-type basic with auth-secret as basic-auth, auth-url with auth-method,
 * auth-response-headers and auth-signin as ext-auth. What cannot be applied fails closed: the reason is returned,
 * and every path of the Ingress answers 503. Follows the "Whitelist source range", "Denylist source range",
 * "Authentication" and "External Authentication" sections of
 * <a href="https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/">ingress-nginx's
 * annotations page</a>.
 */
final class SecurityAnnotations {

    private static final Pattern CIDR = Pattern.compile(
            "(\\d{1,3}(\\.\\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)(/\\d{1,3})?");

    private final BiFunction<String, String, Secret> secrets;

    /** @param secrets looks a Secret up by namespace and name; null when absent */
    SecurityAnnotations(BiFunction<String, String, Secret> secrets) {
        this.secrets = secrets;
    }

    /** Adds the ip-access policy; returns why the Ingress fails closed ({@code failClosed} if nothing new). */
    String accessLists(Map<String, String> a, String failClosed, List<PolicyRef> policies, String origin,
                       Receipts r) {
        Map<String, Object> access = new LinkedHashMap<>();
        String allow = a.containsKey("whitelist-source-range") ? "whitelist-source-range"
                : a.containsKey("allowlist-source-range") ? "allowlist-source-range" : null;
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
        return failClosed;
    }

    /** Adds basic-auth and ext-auth; returns why the Ingress fails closed ({@code failClosed} if nothing new). */
    String authentication(Map<String, String> a, String namespace, String failClosed, List<PolicyRef> policies,
                          String origin, Receipts r) {
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
        return failClosed;
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
        SecretData.Ref secretRef = SecretData.Ref.parse(ref, namespace);
        String ns = secretRef.namespace();
        String name = secretRef.name();
        Secret secret = secrets.apply(ns, name);
        if (secret == null) {
            r.error("auth-secret", "refused: Secret " + ns + "/" + name + " not found; every path of this Ingress "
                    + "answers 503 until it exists");
            return null;
        }
        String type = a.getOrDefault("auth-secret-type", "auth-file");
        Map<String, String> data = SecretData.decode(secret);
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
}
