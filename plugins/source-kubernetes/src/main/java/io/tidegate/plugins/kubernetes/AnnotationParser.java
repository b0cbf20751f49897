package io.tidegate.plugins.kubernetes;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.tidegate.spi.model.CorsPolicy;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.PolicyRef;
import io.tidegate.spi.model.Provenance;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * Reads the {@code nginx.ingress.kubernetes.io/*} annotations of one Ingress into {@link IngressOptions}
 * and writes a receipt for each: applied (info), approximated or ignored (warning, with why), refused
 * (error). Pure: the Ingress and a Secret lookup in, options and receipts out.
 * Each annotation family is read by its own class ({@link RoutingAnnotations}, {@link BackendAnnotations},
 * {@link SecurityAnnotations}, {@link CorsAnnotations}, {@link TrafficAnnotations}); this one runs them in order
 * and reports the annotations none of them understood.
 */
final class AnnotationParser {

    static final String PREFIX = "nginx.ingress.kubernetes.io/";

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

    private final boolean httpsListeners;
    private final BackendAnnotations backend;
    private final SecurityAnnotations security;

    /**
     * @param secrets looks a Secret up by namespace and name; null when absent
     * @param httpsListeners whether tidegate.yaml has an https listener to redirect to
     */
    AnnotationParser(BiFunction<String, String, Secret> secrets, boolean httpsListeners) {
        this.httpsListeners = httpsListeners;
        this.backend = new BackendAnnotations(new UpstreamTlsAnnotations(secrets));
        this.security = new SecurityAnnotations(secrets);
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

        IngressOptions.Canary canary = TrafficAnnotations.canary(a, r);
        boolean canaryOn = canary != null;
        RoutingAnnotations.Routing routing = RoutingAnnotations.read(a, httpsListeners, r);
        Long maxBody = TrafficAnnotations.maxBody(a, r);
        BackendAnnotations.Backend backend = this.backend.read(a, namespace, r);
        // The policies run in the order added: access lists, then rate limits, then authentication.
        String failClosed = security.accessLists(a, backend.failClosedTls(), policies, origin, r);
        TrafficAnnotations.rateLimits(a, policies, origin, r);
        failClosed = security.authentication(a, namespace, failClosed, policies, origin, r);
        IngressOptions.Mirror mirror = TrafficAnnotations.mirror(a, r);
        CorsPolicy cors = CorsAnnotations.read(a, r);
        // On a canary, reported as ignored by canaryOnly(): the main Ingress's cluster choice applies.
        BackendAnnotations.Balancer balancer = canaryOn ? null : backend.balancer();

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
                r.warn(k, "ignored: " + (backend.upstreamTls() == null ? "needs backend-protocol: HTTPS"
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
        IngressOptions options = new IngressOptions(routing.regex(), routing.substitution(), routing.ssl(),
                routing.force(), maxBody, backend.connect(), backend.idle(), backend.protocol(), backend.upstreamTls(),
                canary, policies, routing.vhost(), routing.appRoot(), routing.redirect(), failClosed, cors,
                backend.retries(), backend.nonIdempotentRetries(),
                balancer == null ? null : balancer.loadBalancer(), balancer == null ? null : balancer.variant(), mirror);
        return new Result(options, r.list());
    }
}
