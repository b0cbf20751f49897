package io.tidegate.plugins.kubernetes;

import static io.tidegate.plugins.kubernetes.AnnotationValues.bool;
import static io.tidegate.plugins.kubernetes.AnnotationValues.integer;

import io.tidegate.spi.model.RouteAction;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;

/**
 * The annotations that say where a request goes and under which path: use-regex, rewrite-target, ssl-redirect,
 * force-ssl-redirect, upstream-vhost, app-root, permanent-redirect and temporal-redirect (with their -code).
 * Follows the "Rewrite", "Server-side HTTPS enforcement through redirect", "Custom NGINX upstream vhost",
 * "Permanent Redirect" and "Temporal Redirect" sections of
 * <a href="https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/">ingress-nginx's
 * annotations page</a>.
 */
final class RoutingAnnotations {

    /** What the routing annotations ask for; {@link IngressOptions} says what each means. */
    record Routing(boolean regex, String substitution, boolean ssl, boolean force, String vhost, String appRoot,
                   RouteAction.Redirect redirect) {
    }

    private RoutingAnnotations() {
    }

    static Routing read(Map<String, String> a, boolean httpsListeners, Receipts r) {
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
        return new Routing(regex, substitution, ssl, force, vhost, appRoot, redirect);
    }
}
