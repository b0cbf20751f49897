package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DateFormatter;
import java.time.Duration;
import java.util.Date;
import org.junit.jupiter.api.Test;

/** Retry-After as RFC 9110 section 10.2.3 writes it. */
class RetryAfterTest {

    @Test
    void delaySecondsAndHttpDatesAreRead() {
        assertThat(RetryAfter.nanos("120")).isEqualTo(Duration.ofSeconds(120).toNanos());
        assertThat(RetryAfter.nanos(" 0 ")).isZero();
        assertThat(RetryAfter.nanos(null)).isZero();
        assertThat(RetryAfter.nanos("soon")).isZero();
        assertThat(RetryAfter.nanos("-5")).isZero();
        assertThat(RetryAfter.nanos("99999999999999999999999")).isEqualTo(Duration.ofDays(1).toNanos());
        String inAMinute = DateFormatter.format(new Date(System.currentTimeMillis() + 60_000));
        assertThat(RetryAfter.nanos(inAMinute)).isBetween(Duration.ofSeconds(55).toNanos(), Duration.ofSeconds(61).toNanos());
        assertThat(RetryAfter.nanos("Wed, 21 Oct 2015 07:28:00 GMT")).as("in the past").isZero();
    }
}
