package io.tidegate.plugins.file;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.RetryPolicy;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Reads a route's {@code retries:} map. */
final class RetryParser {

    /** Envoy's condition names, as the kernel knows them. */
    private static final List<String> CONDITIONS = List.of("connect-failure", "reset", "refused-stream", "5xx",
            "gateway-error", "retriable-status-codes");
    /** Failures that happen before the upstream saw the request, or that it did not answer: safe to retry. */
    private static final Set<String> DEFAULT_ON = Set.of("connect-failure", "reset");

    private RetryParser() {
    }

    static RetryPolicy parse(ConfigNode node) {
        if (node.isNull()) {
            return null;
        }
        node.requireOnlyKeys("attempts", "perTryTimeout", "on", "statusCodes", "backoff");
        int attempts = node.get("attempts").asInt(0, 10);
        Set<String> on = new LinkedHashSet<>();
        for (ConfigNode item : node.getOrNull("on").items()) {
            String condition = item.asString();
            if (!CONDITIONS.contains(condition)) {
                throw item.error("'" + condition + "' (expected one of: " + String.join(", ", CONDITIONS) + ")");
            }
            on.add(condition);
        }
        if (!node.has("on")) {
            on.addAll(DEFAULT_ON);
        }
        Set<Integer> statuses = new LinkedHashSet<>();
        for (ConfigNode item : node.getOrNull("statusCodes").items()) {
            statuses.add(item.asInt(100, 599));
        }
        if (!statuses.isEmpty()) {
            on.add("retriable-status-codes");
        }
        return new RetryPolicy(attempts, node.duration("perTryTimeout", null), on, statuses,
                node.duration("backoff", null));
    }
}
