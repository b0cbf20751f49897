package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The access log's line formats with and without a policy denial's reason. */
class AccessLogFormatTest {

    private static AccessLog.Entry entry(String flag, String reason) {
        return new AccessLog.Entry(0, "10.0.0.7", "GET", "evil.test", "http://evil.test/x", 403, 83, 0,
                "203.0.113.66:80", 1577, "forward-proxy", "abc", flag, reason);
    }

    @Test
    void aLineWithoutReasonKeepsItsElevenFields() {
        StringBuilder out = new StringBuilder();
        AccessLog.formatDefault(entry(null, null), out);
        assertThat(out.toString()).isEqualTo("1970-01-01T00:00:00Z 10.0.0.7 \"GET evil.test http://evil.test/x\" 403 83 "
                + "203.0.113.66:80 1.577ms forward-proxy abc -");
    }

    @Test
    void aDenialAppendsItsReasonQuotedAndSanitized() {
        StringBuilder out = new StringBuilder();
        AccessLog.formatDefault(entry("PD", "egress not_allowed \"evil\"\n"), out);
        assertThat(out.toString()).endsWith(" forward-proxy abc PD \"egress not_allowed \\x22evil\\x22\\x0a\"");
    }

    @Test
    void jsonCarriesReasonOrNull() {
        StringBuilder denied = new StringBuilder();
        AccessLog.formatJson(entry("PD", "egress local_address rebind.test:80 -> 169.254.169.254"), denied);
        assertThat(denied.toString()).endsWith(",\"flag\":\"PD\",\"reason\":\"egress local_address rebind.test:80 -> 169.254.169.254\"}");
        StringBuilder plain = new StringBuilder();
        AccessLog.formatJson(entry(null, null), plain);
        assertThat(plain.toString()).endsWith(",\"flag\":null,\"reason\":null}");
    }
}
