package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * What a consistent-hash balancer hashes.
 *
 * @param kind header, cookie, source IP or query parameter
 * @param name header, cookie or parameter name; ignored for source IP
 * @param cookieTtl for cookies: when set and the request has no such cookie, the gateway generates
 *                  one with this max-age (session affinity); null: never generate
 * @param cookiePath path attribute of a generated cookie; null: {@code /}
 */
public record HashPolicy(Kind kind, String name, Duration cookieTtl, String cookiePath) {

    /** The hashed request attribute. */
    public enum Kind { HEADER, COOKIE, SOURCE_IP, QUERY_PARAMETER }

    public HashPolicy {
        requireNonNull(kind, "kind");
        name = name == null ? "" : name;
    }
}
