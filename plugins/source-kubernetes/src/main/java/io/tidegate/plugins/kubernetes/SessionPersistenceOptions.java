package io.tidegate.plugins.kubernetes;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.SessionPersistence;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.HashPolicy;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.Provenance;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * An HTTPRoute rule's {@code sessionPersistence} (GEP-1619) as the backends' cluster options: a
 * {@code RING_HASH} variant of each Service's cluster, as the Ingress annotation {@code affinity: cookie}
 * makes, named after its hash policy so rules asking for the same persistence share one variant.
 *
 * <ul>
 *   <li>{@code type: Cookie} (the default): the engine generates the cookie {@code sessionName}; with
 *       {@code cookieConfig.lifetimeType: Permanent} its {@code Max-Age} is {@code absoluteTimeout}, with
 *       {@code Session} (the default) it is a session cookie.</li>
 *   <li>{@code type: Header}: requests are hashed on the header {@code sessionName}.</li>
 * </ul>
 */
final class SessionPersistenceOptions {

    /** The cookie or header name when {@code sessionName} is not given (implementation-specific). */
    static final String DEFAULT_NAME = "tidegate-session";

    private SessionPersistenceOptions() {
    }

    /** The cluster options for the rule's backends; the defaults when it asks for nothing usable. */
    static IngressOptions of(SessionPersistence sp, Provenance where, List<Diagnostic> diagnostics) {
        if (sp == null) {
            return IngressOptionsDefaults.HTTP;
        }
        String field = "sessionPersistence";
        String name = sp.getSessionName() == null || sp.getSessionName().isEmpty() ? DEFAULT_NAME
                : sp.getSessionName();
        if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
            diagnostics.add(Diagnostic.error(where, field + ".sessionName", "'" + name + "' is not a cookie or "
                    + "header name; session persistence not applied"));
            return IngressOptionsDefaults.HTTP;
        }
        if (sp.getAdditionalProperties() != null && sp.getAdditionalProperties().containsKey("idleTimeout")) {
            diagnostics.add(Diagnostic.warning(where, field + ".idleTimeout", "not supported by the engine's "
                    + "affinity (sessions end with the cookie or when the endpoint goes away); ignored"));
        }
        String type = sp.getType() == null ? "Cookie" : sp.getType();
        HashPolicy policy;
        String variant;
        switch (type) {
            case "Cookie" -> {
                String lifetime = sp.getCookieConfig() == null || sp.getCookieConfig().getLifetimeType() == null
                        ? "Session" : sp.getCookieConfig().getLifetimeType();
                Duration ttl = Duration.ZERO; // a session cookie
                Duration absolute = null;
                if (sp.getAbsoluteTimeout() != null) {
                    absolute = GatewayTranslator.duration(sp.getAbsoluteTimeout());
                    if (absolute == null || absolute.isZero()) {
                        diagnostics.add(Diagnostic.error(where, field + ".absoluteTimeout", "'"
                                + sp.getAbsoluteTimeout() + "' (expected: a positive Gateway API duration such as "
                                + "1h); session persistence not applied"));
                        return IngressOptionsDefaults.HTTP;
                    }
                }
                switch (lifetime) {
                    case "Permanent" -> {
                        if (absolute == null) {
                            diagnostics.add(Diagnostic.error(where, field + ".cookieConfig.lifetimeType", "Permanent "
                                    + "needs absoluteTimeout (the cookie's Max-Age); session persistence not applied"));
                            return IngressOptionsDefaults.HTTP;
                        }
                        ttl = absolute;
                    }
                    case "Session" -> {
                        if (absolute != null) {
                            diagnostics.add(Diagnostic.warning(where, field + ".absoluteTimeout", "approximated: "
                                    + "with lifetimeType Session the cookie is a session cookie and the engine does "
                                    + "not end sessions after " + sp.getAbsoluteTimeout()));
                        }
                    }
                    default -> {
                        diagnostics.add(Diagnostic.error(where, field + ".cookieConfig.lifetimeType", "'" + lifetime
                                + "' (expected: Session or Permanent); session persistence not applied"));
                        return IngressOptionsDefaults.HTTP;
                    }
                }
                policy = new HashPolicy(HashPolicy.Kind.COOKIE, name, ttl, null);
                variant = "#cookie=" + name + (ttl.isZero() ? "" : ",max-age=" + ttl.toSeconds());
            }
            case "Header" -> {
                String header = name.toLowerCase(Locale.ROOT);
                policy = new HashPolicy(HashPolicy.Kind.HEADER, header, null, null);
                variant = "#header=" + header;
                diagnostics.add(Diagnostic.warning(where, field + ".type", "approximated: requests are hashed on "
                        + "header " + header + " (the same value reaches the same endpoint while it is healthy); "
                        + "the gateway does not issue the header itself"));
            }
            default -> {
                diagnostics.add(Diagnostic.error(where, field + ".type", "'" + type + "' (expected: Cookie or "
                        + "Header); session persistence not applied"));
                return IngressOptionsDefaults.HTTP;
            }
        }
        IngressOptions d = IngressOptionsDefaults.HTTP;
        return new IngressOptions(d.regex(), d.rewriteTarget(), d.sslRedirect(), d.forceSslRedirect(),
                d.maxRequestBodyBytes(), d.connectTimeout(), d.idleTimeout(), Cluster.UpstreamProtocol.HTTP1,
                d.upstreamTls(), d.canary(), d.policies(), d.upstreamVhost(), d.appRoot(), d.redirect(),
                d.failClosed(), d.cors(), d.retries(), d.nonIdempotentRetries(),
                new LoadBalancer(LoadBalancer.Policy.RING_HASH, List.of(policy)), variant, null);
    }
}
