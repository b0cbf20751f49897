package io.tidegate.kernel.engine;

import io.netty.handler.codec.DateFormatter;
import java.util.Date;
import java.util.concurrent.TimeUnit;

/** Reads {@code Retry-After} (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date. */
final class RetryAfter {

    private RetryAfter() {
    }

    /** The wait it asks for in nanoseconds; 0 when absent, unreadable or in the past. */
    static long nanos(String value) {
        if (value == null || value.isBlank()) {
            return 0;
        }
        String v = value.trim();
        if (v.chars().allMatch(Character::isDigit)) {
            try {
                return TimeUnit.SECONDS.toNanos(Math.min(Long.parseLong(v), TimeUnit.DAYS.toSeconds(1)));
            } catch (NumberFormatException e) {
                return TimeUnit.DAYS.toNanos(1); // more digits than a long: "much later"
            }
        }
        Date date = DateFormatter.parseHttpDate(v);
        if (date == null) {
            return 0;
        }
        long millis = date.getTime() - System.currentTimeMillis();
        return millis <= 0 ? 0 : TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
