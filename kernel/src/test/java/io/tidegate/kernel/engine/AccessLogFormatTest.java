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
        assertThat(out.toString()).isEqualTo("1970-01-01T00:00:00Z 10.0.0.7 \"GET evil.test http://evil.test/x HTTP/1.1\" 403 83 "
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
        assertThat(plain.toString()).endsWith(",\"flag\":null,\"reason\":null}")
                .contains(",\"path\":\"http://evil.test/x\",\"protocol\":\"HTTP/1.1\",");
    }

    @Test
    void theProtocolIsPartOfTheRequestField() {
        AccessLog.Entry h2 = new AccessLog.Entry(0, "10.0.0.7", "POST", "a.test", "/up", 200, 2, 5, "127.0.0.1:1", 1000,
                "r", "id", null, null, AccessLog.HTTP_2);
        StringBuilder line = new StringBuilder();
        AccessLog.formatDefault(h2, line);
        assertThat(line.toString()).contains(" \"POST a.test /up HTTP/2\" 200 2 ");
        StringBuilder json = new StringBuilder();
        AccessLog.formatJson(h2, json);
        assertThat(json.toString()).contains(",\"protocol\":\"HTTP/2\",");
    }
}
