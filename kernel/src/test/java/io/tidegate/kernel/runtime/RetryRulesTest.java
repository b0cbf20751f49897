package io.tidegate.kernel.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.kernel.runtime.RetryRules.Failure;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.RetryPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Envoy's retry_on conditions, backoff and the retry budget. */
class RetryRulesTest {

    static RetryRules rules(String conditions) {
        return new RetryRules(new RetryPolicy(2, null, Set.of(conditions.split(" ")), Set.of(409), null));
    }

    @ParameterizedTest(name = "{0} retries {1} {2}: {3}")
    @CsvSource({
            "connect-failure,        CONNECT, 0,   true",
            "connect-failure,        RESET,   0,   false",
            "connect-failure,        STATUS,  503, false",
            "reset,                  RESET,   0,   true",
            "reset,                  TIMEOUT, 0,   false",
            "5xx,                    CONNECT, 0,   true",
            "5xx,                    RESET,   0,   true",
            "5xx,                    TIMEOUT, 0,   true",
            "5xx,                    STATUS,  500, true",
            "5xx,                    STATUS,  599, true",
            "5xx,                    STATUS,  429, false",
            "gateway-error,          STATUS,  500, false",
            "gateway-error,          STATUS,  502, true",
            "gateway-error,          STATUS,  503, true",
            "gateway-error,          STATUS,  504, true",
            "gateway-error,          CONNECT, 0,   true",
            "gateway-error,          TIMEOUT, 0,   true",
            "retriable-status-codes, STATUS,  409, true",
            "retriable-status-codes, STATUS,  503, false",
            "refused-stream,         STATUS,  503, false",
            "refused-stream,         REFUSED, 0,   true",
            "refused-stream,         RESET,   0,   false",
            "reset,                  REFUSED, 0,   true",
            "5xx,                    REFUSED, 0,   true",
            "gateway-error,          REFUSED, 0,   true",
            "connect-failure,        REFUSED, 0,   false",
    })
    void conditions(String on, Failure failure, int status, boolean retried) {
        assertThat(rules(on).retries(failure, status)).isEqualTo(retried);
    }

    @Test
    void unknownConditionsAreRefusedByName() {
        assertThatThrownBy(() -> rules("5xx retry-everything"))
                .hasMessageContaining("retryOn: 'retry-everything' (expected one of: 5xx, connect-failure");
    }

    @Test
    void backoffIsJitteredExponentialAndCappedAtTenTimesTheBase() {
        RetryRules r = new RetryRules(new RetryPolicy(5, null, Set.of("5xx"), Set.of(), Duration.ofMillis(10)));
        long maxFirst = 0;
        long maxLate = 0;
        for (int i = 0; i < 2000; i++) {
            maxFirst = Math.max(maxFirst, r.backoffNanos(1));
            maxLate = Math.max(maxLate, r.backoffNanos(12));
        }
        assertThat(maxFirst).isLessThanOrEqualTo(Duration.ofMillis(10).toNanos()).isGreaterThan(Duration.ofMillis(8).toNanos());
        assertThat(maxLate).isLessThanOrEqualTo(Duration.ofMillis(100).toNanos()).isGreaterThan(Duration.ofMillis(80).toNanos());
    }

    @Test
    void theRetryBudgetIsTwentyPercentOfRequestsInFlightAndAtLeastThree() {
        Provenance p = Provenance.of("test", "RetryRulesTest");
        ClusterRuntime c = new ClusterRuntime(Cluster.of("svc", List.of(Endpoint.of("10.0.0.1", 80)), p),
                Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertThat(c.tryStartRetry()).isTrue();
        assertThat(c.tryStartRetry()).isTrue();
        assertThat(c.tryStartRetry()).isTrue();
        assertThat(c.tryStartRetry()).as("three with nothing in flight").isFalse();
        for (int i = 0; i < 25; i++) {
            c.onRequestStart(0);
        }
        assertThat(c.tryStartRetry()).as("25 in flight: five").isTrue();
        assertThat(c.tryStartRetry()).isTrue();
        assertThat(c.tryStartRetry()).isFalse();
        c.retryEnded();
        assertThat(c.tryStartRetry()).isTrue();
    }
}
