package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The access log's flags and protocol names, as Envoy's access log writes them. */
class ExchangeLogTest {

    @Test
    void urxJoinsOnlyAGatewayErrorThatRetriesCouldNotMend() {
        assertThat(ExchangeLog.logFlag("UF", 1)).isEqualTo("UF,URX");
        assertThat(ExchangeLog.logFlag("UPE", 2)).isEqualTo("UPE,URX");
        assertThat(ExchangeLog.logFlag("UF", 0)).as("never retried").isEqualTo("UF");
        assertThat(ExchangeLog.logFlag("UO", 1)).as("the gateway's own 503").isEqualTo("UO");
        assertThat(ExchangeLog.logFlag(null, 1)).isNull();
    }

    @Test
    void gatewayErrorsAreTheUpstreamsFailures() {
        assertThat(ExchangeLog.isGatewayError("UF")).isTrue();
        assertThat(ExchangeLog.isGatewayError("UC")).isTrue();
        assertThat(ExchangeLog.isGatewayError("UT")).isTrue();
        assertThat(ExchangeLog.isGatewayError("UPE")).isTrue();
        assertThat(ExchangeLog.isGatewayError("DF")).isTrue();
        assertThat(ExchangeLog.isGatewayError("DC")).isFalse();
        assertThat(ExchangeLog.isGatewayError("UO")).isFalse();
        assertThat(ExchangeLog.isGatewayError(null)).isFalse();
    }

    @Test
    void protocolNamesAndLongPathsAreShortened() {
        assertThat(ExchangeLog.protocol(true, false)).isEqualTo(AccessLog.HTTP_2);
        assertThat(ExchangeLog.protocol(false, true)).isEqualTo(AccessLog.HTTP_1_0);
        assertThat(ExchangeLog.protocol(false, false)).isEqualTo(AccessLog.HTTP_1_1);
        assertThat(ExchangeLog.truncate("/short")).isEqualTo("/short");
        assertThat(ExchangeLog.truncate("/" + "a".repeat(300))).hasSize(259).endsWith("...");
    }
}
