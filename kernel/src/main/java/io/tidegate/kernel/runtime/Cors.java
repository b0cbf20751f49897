package io.tidegate.kernel.runtime;

import io.tidegate.kernel.routing.CompiledStringMatch;
import io.tidegate.spi.model.CorsPolicy;
import java.util.List;

/**
 * A route's CORS policy compiled once: origin matchers and the header values it sends, so answering
 * a preflight or decorating a response only compares and copies strings.
 *
 * <p>Semantics are Envoy's CORS filter, which Istio's {@code corsPolicy} and ingress-nginx's
 * {@code enable-cors} map onto: a preflight ({@code OPTIONS} with {@code Origin} and
 * {@code Access-Control-Request-Method}) from an allowed origin is answered by the gateway; a preflight
 * from another origin is forwarded untouched; other requests from an allowed origin are forwarded and
 * their responses get the {@code Access-Control-Allow-*} headers.
 */
public final class Cors {

    private final CompiledStringMatch[] origins;
    private final String allowMethods;
    private final String allowHeaders;
    private final String exposeHeaders;
    private final String maxAge;
    private final boolean allowCredentials;

    public Cors(CorsPolicy policy) {
        this.origins = policy.allowOrigins().stream().map(CompiledStringMatch::of)
                .toArray(CompiledStringMatch[]::new);
        this.allowMethods = join(policy.allowMethods());
        this.allowHeaders = join(policy.allowHeaders());
        this.exposeHeaders = join(policy.exposeHeaders());
        this.maxAge = policy.maxAge() == null ? null : Long.toString(policy.maxAge().toSeconds());
        this.allowCredentials = policy.allowCredentials();
    }

    private static String join(List<String> values) {
        return values.isEmpty() ? null : String.join(",", values);
    }

    /** Whether {@code origin} (a request's {@code Origin}) may read responses. */
    public boolean allows(String origin) {
        if (origin == null) {
            return false;
        }
        for (CompiledStringMatch m : origins) {
            if (m.matches(origin)) {
                return true;
            }
        }
        return false;
    }

    public String allowMethods() {
        return allowMethods;
    }

    public String allowHeaders() {
        return allowHeaders;
    }

    public String exposeHeaders() {
        return exposeHeaders;
    }

    public String maxAge() {
        return maxAge;
    }

    public boolean allowCredentials() {
        return allowCredentials;
    }
}
