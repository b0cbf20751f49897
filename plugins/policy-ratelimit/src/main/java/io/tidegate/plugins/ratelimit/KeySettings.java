package io.tidegate.plugins.ratelimit;

import io.tidegate.spi.config.ConfigNode;
import java.util.Locale;

/**
 * The settings that say which key a request counts against, shared by {@code rate-limit} and
 * {@code concurrency-limit} so that both read {@code key}, {@code jwtHeader}, {@code ipv6Prefix},
 * {@code trustedProxies} and {@code missingKey} alike (docs/policy-ratelimit.md, "Keys").
 *
 * @param key what the count is kept for
 * @param trustedProxies peers whose {@code X-Forwarded-For} is believed for {@code client-ip}
 * @param missingKeyShared whether requests lacking a key part share one key (true) or are not limited
 */
record KeySettings(RateKey key, CidrSet trustedProxies, boolean missingKeyShared) {

    /** The setting names this record reads. */
    static final String[] NAMES = {"key", "jwtHeader", "ipv6Prefix", "trustedProxies", "missingKey"};

    static KeySettings parse(ConfigNode s) {
        String jwtHeader = s.string("jwtHeader", "authorization").trim().toLowerCase(Locale.ROOT);
        int ipv6Prefix = s.find("ipv6Prefix").map(n -> n.asInt(1, 128)).orElse(128);
        RateKey key = RateKey.parse(s.getOrNull("key"), jwtHeader, ipv6Prefix);
        CidrSet trusted = CidrSet.parse(s.getOrNull("trustedProxies"));
        boolean shared = s.find("missingKey").map(n -> {
            String v = n.asString().trim().toLowerCase(Locale.ROOT);
            return switch (v) {
                case "skip" -> false;
                case "shared" -> true;
                default -> throw n.error("'" + v + "' (expected one of: skip, shared)");
            };
        }).orElse(false);
        return new KeySettings(key, trusted, shared);
    }
}
