package io.tidegate.plugins.ratelimit;

import io.tidegate.spi.config.ConfigNode;
import java.time.Duration;

/**
 * A rate written {@code COUNT/PERIOD}: {@code 10/s}, {@code 100/m}, {@code 5000/h}, {@code 20/d}, or
 * with a duration as the period, {@code 30/10s}, {@code 1/1m30s}.
 *
 * @param count requests per period
 * @param period the period
 */
record Rate(long count, Duration period) {

    /** Nanoseconds between two requests at the sustained rate (GCRA's emission interval). */
    long intervalNanos() {
        return Math.max(1, period.toNanos() / count);
    }

    static Rate parse(ConfigNode node) {
        String s = node.asString().trim();
        int slash = s.indexOf('/');
        String expected = " (expected: COUNT/PERIOD, e.g. 10/s, 100/m, 5000/h, 30/10s)";
        if (slash <= 0 || slash == s.length() - 1) {
            throw node.error("'" + s + "' is not a rate" + expected);
        }
        long count;
        try {
            count = Long.parseLong(s.substring(0, slash).trim());
        } catch (NumberFormatException e) {
            throw node.error("'" + s + "' is not a rate" + expected);
        }
        if (count < 1 || count > 1_000_000_000L) {
            throw node.error("'" + s + "': count " + count + " (expected: 1 to 1000000000)");
        }
        String unit = s.substring(slash + 1).trim();
        Duration period = switch (unit) {
            case "s" -> Duration.ofSeconds(1);
            case "m" -> Duration.ofMinutes(1);
            case "h" -> Duration.ofHours(1);
            case "d" -> Duration.ofDays(1);
            default -> ConfigNode.parseDuration(unit);
        };
        if (period == null || period.isZero() || period.isNegative()) {
            throw node.error("'" + s + "' is not a rate" + expected);
        }
        return new Rate(count, period);
    }

    @Override
    public String toString() {
        return count + "/" + period;
    }
}
