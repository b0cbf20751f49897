package io.tidegate.plugins.ratelimit;

import io.tidegate.spi.config.ConfigNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The parsed, validated settings of one {@code concurrency-limit} binding (docs/policy-ratelimit.md).
 *
 * @param limit requests in flight per key, at least 1
 * @param keys what the count is kept for ({@code key} and the settings it shares with {@code rate-limit})
 * @param status the status of a request over the limit (503, as ingress-nginx's {@code limit_conn_status})
 */
record ConcurrencyLimitSettings(int limit, KeySettings keys, int status) {

    static ConcurrencyLimitSettings parse(ConfigNode s) {
        List<String> names = new ArrayList<>(List.of("limit", "status"));
        names.addAll(Arrays.asList(KeySettings.NAMES));
        s.requireOnlyKeys(names.toArray(String[]::new));
        if (!s.has("limit")) {
            throw s.error("needs 'limit' (requests in flight per key, e.g. limit: 10)");
        }
        int limit = s.get("limit").asInt(1, 100_000_000);
        KeySettings keys = KeySettings.parse(s);
        int status = s.find("status").map(n -> n.asInt(400, 599)).orElse(503);
        return new ConcurrencyLimitSettings(limit, keys, status);
    }
}
