package io.tidegate.plugins.kubernetes;

import static io.tidegate.plugins.kubernetes.AnnotationValues.bool;
import static io.tidegate.plugins.kubernetes.AnnotationValues.integer;
import static io.tidegate.plugins.kubernetes.AnnotationValues.list;

import io.tidegate.spi.model.CorsPolicy;
import io.tidegate.spi.model.StringMatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * enable-cors and cors-* as the route's CORS policy, answered by the gateway. Follows the "Enable CORS" section of
 * <a href="https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/">ingress-nginx's
 * annotations page</a>.
 */
final class CorsAnnotations {

    /** ingress-nginx's CORS defaults. */
    static final List<String> CORS_METHODS = List.of("GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS");
    static final List<String> CORS_HEADERS = List.of("DNT", "Keep-Alive", "User-Agent", "X-Requested-With",
            "If-Modified-Since", "Cache-Control", "Content-Type", "Range", "Authorization");
    static final Duration CORS_MAX_AGE = Duration.ofSeconds(1728000);
    private static final Pattern ORIGIN = Pattern.compile(
            "(https?)://(\\*\\.)?([A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*)(:\\d{1,5})?");

    private CorsAnnotations() {
    }

    /** enable-cors and cors-*, with ingress-nginx's defaults. */
    static CorsPolicy read(Map<String, String> a, Receipts r) {
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
}
