package io.tidegate.plugins.file;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.FaultPolicy;
import java.time.Duration;

/** Reads a route's {@code fault:} map: {@code delay: {fixed, percent}} and {@code abort: {status, percent}}. */
final class FaultParser {

    private FaultParser() {
    }

    static FaultPolicy parse(ConfigNode node) {
        if (node.isNull()) {
            return null;
        }
        node.requireOnlyKeys("delay", "abort");
        if (!node.has("delay") && !node.has("abort")) {
            throw node.error("needs one of: delay, abort");
        }
        Duration delay = null;
        double delayPercent = 0;
        ConfigNode d = node.getOrNull("delay");
        if (!d.isNull()) {
            d.requireOnlyKeys("fixed", "percent");
            delay = d.get("fixed").asDuration();
            delayPercent = percent(d);
        }
        Integer status = null;
        double abortPercent = 0;
        ConfigNode a = node.getOrNull("abort");
        if (!a.isNull()) {
            a.requireOnlyKeys("status", "percent");
            status = a.get("status").asInt(200, 599);
            abortPercent = percent(a);
        }
        return new FaultPolicy(delay, delayPercent, status, abortPercent);
    }

    private static double percent(ConfigNode node) {
        if (!node.has("percent")) {
            return 100;
        }
        double p = node.get("percent").asDouble();
        if (p < 0 || p > 100) {
            throw node.get("percent").error(node.get("percent").asString() + " (expected: 0 to 100)");
        }
        return p;
    }
}
