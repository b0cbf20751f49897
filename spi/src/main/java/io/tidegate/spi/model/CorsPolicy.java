package io.tidegate.spi.model;

import java.time.Duration;
import java.util.List;

/**
 * Cross-origin resource sharing answered at the gateway.
 *
 * @param allowOrigins origins allowed; a match echoes the request's {@code Origin}
 * @param allowMethods methods listed in {@code Access-Control-Allow-Methods}
 * @param allowHeaders headers listed in {@code Access-Control-Allow-Headers}
 * @param exposeHeaders headers listed in {@code Access-Control-Expose-Headers}
 * @param maxAge {@code Access-Control-Max-Age}; null: not sent
 * @param allowCredentials send {@code Access-Control-Allow-Credentials: true}
 */
public record CorsPolicy(List<StringMatch> allowOrigins, List<String> allowMethods, List<String> allowHeaders,
                         List<String> exposeHeaders, Duration maxAge, boolean allowCredentials) {

    public CorsPolicy {
        allowOrigins = List.copyOf(allowOrigins);
        allowMethods = List.copyOf(allowMethods);
        allowHeaders = List.copyOf(allowHeaders);
        exposeHeaders = List.copyOf(exposeHeaders);
    }
}
