package io.tidegate.plugins.ratelimit;

import io.lettuce.core.RedisURI;
import io.tidegate.spi.config.ConfigNode;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/** The parsed, validated settings of one {@code rate-limit} binding (docs/policy-ratelimit.md). */
record RateLimitSettings(
        Rate rate,
        long burst,
        RateKey key,
        CidrSet trustedProxies,
        boolean missingKeyShared,
        int status,
        HeaderMode headers,
        int maxKeys,
        int connections,
        Redis redis) {

    /** When the {@code RateLimit-*} headers are sent. */
    enum HeaderMode { DENIED, ALWAYS, NEVER }

    /**
     * The global (Redis) part.
     *
     * @param failOpen whether requests pass (true) or are refused with {@code errorStatus} when Redis
     *     cannot answer in time
     */
    record Redis(RedisURI uri, Duration timeout, boolean failOpen, int errorStatus, String prefix) {
    }

    /** The least time a new Redis connection has for its handshake, whatever {@code timeout} says. */
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(2);

    static RateLimitSettings parse(ConfigNode s) {
        s.requireOnlyKeys("rate", "burst", "key", "trustedProxies", "jwtHeader", "missingKey", "status",
                "headers", "maxKeys", "connections", "redis", "ipv6Prefix");
        if (!s.has("rate") && !s.has("connections")) {
            throw s.error("needs 'rate' (e.g. rate: 10/s) or 'connections' (open connections per client), or both");
        }
        Rate rate = s.find("rate").map(Rate::parse).orElse(null);
        long burst = 0;
        if (rate != null) {
            burst = s.find("burst").map(n -> (long) n.asInt(1, 1_000_000)).orElse(Math.min(rate.count(), 1_000_000));
            if (Long.MAX_VALUE / 4 / burst < rate.intervalNanos()) {
                throw s.get("burst").error(burst + " at " + rate + " spans too long a time (expected: burst * period / count under 70 years)");
            }
        } else if (s.has("burst")) {
            throw s.get("burst").error("needs 'rate'");
        }
        KeySettings keys = KeySettings.parse(s);
        RateKey key = keys.key();
        int status = s.find("status").map(n -> n.asInt(400, 599)).orElse(429);
        HeaderMode headers = s.find("headers").map(n -> n.asEnum(HeaderMode.class)).orElse(HeaderMode.DENIED);
        int maxKeys = s.find("maxKeys").map(n -> n.asInt(1, 100_000_000)).orElse(100_000);
        int connections = s.find("connections").map(n -> n.asInt(1, 10_000_000)).orElse(0);
        Redis redis = null;
        if (s.has("redis")) {
            if (rate == null) {
                throw s.get("redis").error("needs 'rate' (connection limits are per gateway, never global)");
            }
            redis = parseRedis(s.get("redis"), rate, burst, key);
        }
        return new RateLimitSettings(rate, burst, key, keys.trustedProxies(), keys.missingKeyShared(), status, headers, maxKeys, connections, redis);
    }

    private static Redis parseRedis(ConfigNode r, Rate rate, long burst, RateKey key) {
        r.requireOnlyKeys("address", "uri", "timeout", "onError", "errorStatus", "prefix");
        RedisURI uri;
        if (r.has("uri") && r.has("address")) {
            throw r.error("has both 'address' and 'uri' (expected: one of them)");
        }
        if (r.has("uri")) {
            ConfigNode u = r.get("uri");
            try {
                uri = RedisURI.create(u.asString().trim());
            } catch (RuntimeException e) {
                throw u.error("'" + withoutCredentials(u.asString()) + "' is not a Redis URI ("
                        + withoutCredentials(String.valueOf(e.getMessage()))
                        + "; expected: e.g. redis://10.0.0.5:6379/0, rediss://...)");
            }
        } else {
            ConfigNode a = r.get("address");
            String text = a.asString().trim();
            int colon = text.lastIndexOf(':');
            int port;
            try {
                port = colon > 0 ? Integer.parseInt(text.substring(colon + 1)) : -1;
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw a.error("'" + text + "' (expected: HOST:PORT, e.g. 127.0.0.1:6379)");
            }
            String host = text.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            uri = RedisURI.create(host, port);
        }
        Duration timeout = r.duration("timeout", Duration.ofMillis(100));
        if (timeout.isZero() || timeout.isNegative()) {
            throw r.get("timeout").error("'" + r.get("timeout").asString() + "' (expected: > 0)");
        }
        // The URI's timeout bounds Lettuce's connection handshake (HELLO, AUTH, SELECT), not decisions (those
        // have TimeoutOptions): a decision's 100ms is too short for a first handshake in a cold JVM.
        uri.setTimeout(timeout.compareTo(HANDSHAKE_TIMEOUT) > 0 ? timeout : HANDSHAKE_TIMEOUT);
        boolean failOpen = r.find("onError").map(n -> {
            String v = n.asString().trim().toLowerCase(Locale.ROOT);
            return switch (v) {
                case "allow" -> true;
                case "deny" -> false;
                default -> throw n.error("'" + v + "' (expected one of: allow (fail open), deny (fail closed))");
            };
        }).orElse(true);
        int errorStatus = r.find("errorStatus").map(n -> n.asInt(400, 599)).orElse(503);
        // Replicas with the same limit share buckets; different limits on one Redis never do.
        String defaultPrefix = "tidegate:rl:" + Integer.toHexString(
                Objects.hash(rate.intervalNanos(), burst, key.spec())) + ":";
        String prefix = r.string("prefix", defaultPrefix);
        return new Redis(uri, timeout, failOpen, errorStatus, prefix);
    }

    /** The text with a URI's user and password replaced: config errors are logged, secrets never are. */
    static String withoutCredentials(String text) {
        return text.replaceAll("//[^/@\\s]*@", "//***@");
    }
}
