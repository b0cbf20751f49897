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
    void anL4LineCarriesAPolicyDenialsReasonOnlyWhenThereIsOne() {
        AccessLog.L4Entry denied = new AccessLog.L4Entry(0, "10.0.0.7", "TLS", "out", "evil.test", null, null, null,
                517, 0, 1577, "PD", "egress not_allowed evil.test:443");
        StringBuilder line = new StringBuilder();
        AccessLog.formatDefault(denied, line);
        assertThat(line.toString()).isEqualTo("1970-01-01T00:00:00Z 10.0.0.7 \"TLS out evil.test\" 517 0 - 1.577ms - - PD "
                + "\"egress not_allowed evil.test:443\"");
        StringBuilder json = new StringBuilder();
        AccessLog.formatJson(denied, json);
        assertThat(json.toString()).endsWith(",\"flag\":\"PD\",\"reason\":\"egress not_allowed evil.test:443\"}");

        AccessLog.L4Entry relayed = new AccessLog.L4Entry(0, "10.0.0.7", "TCP", "tcp", null, "redis", "redis",
                "127.0.0.1:6379", 60, 38, 1577, "DC", null);
        StringBuilder plain = new StringBuilder();
        AccessLog.formatDefault(relayed, plain);
        assertThat(plain.toString()).endsWith(" 1.577ms redis redis DC");
        StringBuilder plainJson = new StringBuilder();
        AccessLog.formatJson(relayed, plainJson);
        assertThat(plainJson.toString()).endsWith(",\"flag\":\"DC\",\"reason\":null}");
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

    private static AccessLog.Entry forwarded(AccessLog.Extras extras) {
        return new AccessLog.Entry(1_460_751_420_310L, "10.0.35.28", "POST", "locations", "/api/v1/locations", 204,
                0, 154, "10.0.2.1:80", 226_400, "r", "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2", null, null,
                AccessLog.HTTP_2, extras);
    }

    @Test
    void envoyIsEnvoysDefaultFormat() {
        StringBuilder line = new StringBuilder();
        AccessLog.formatEnvoy(forwarded(new AccessLog.Extras(null, "nsq2http", "10.0.35.28", 100)), line);
        // The example line of Envoy's access log documentation, field for field.
        assertThat(line.toString()).isEqualTo("[2016-04-15T20:17:00.310Z] \"POST /api/v1/locations HTTP/2\" 204 - 154 0 226 100 "
                + "\"10.0.35.28\" \"nsq2http\" \"cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2\" \"locations\" \"10.0.2.1:80\"");
    }

    @Test
    void envoyWritesADashForEveryMissingValue() {
        AccessLog.Entry refused = new AccessLog.Entry(0, "10.0.0.7", "GET", "", "/x", 404, 47, 0, null, 118, null, null,
                "NR", null);
        StringBuilder line = new StringBuilder();
        AccessLog.formatEnvoy(refused, line);
        assertThat(line.toString()).isEqualTo("[1970-01-01T00:00:00.000Z] \"GET /x HTTP/1.1\" 404 NR 0 47 0 - "
                + "\"-\" \"-\" \"-\" \"-\" \"-\"");
    }

    @Test
    void envoySanitizesClientText() {
        StringBuilder line = new StringBuilder();
        AccessLog.formatEnvoy(forwarded(new AccessLog.Extras(null, "evil\"\n[fake]", null, -1)), line);
        assertThat(line.toString()).contains(" 226 - \"-\" \"evil\\x22\\x0a[fake]\" ");
    }

    @Test
    void theTraceIdIsInJsonAndDefaultWhenTracingIsOn() {
        AccessLog.Extras traced = new AccessLog.Extras("4bf92f3577b34da6a3ce929d0e0e4736", null, null, -1);
        StringBuilder json = new StringBuilder();
        AccessLog.formatJson(forwarded(traced), json);
        assertThat(json.toString()).contains(",\"request_id\":\"cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2\","
                + "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"flag\":null,");
        StringBuilder line = new StringBuilder();
        AccessLog.formatDefault(forwarded(traced), line);
        assertThat(line.toString()).endsWith(" r cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2 - 4bf92f3577b34da6a3ce929d0e0e4736");

        StringBuilder untraced = new StringBuilder();
        AccessLog.formatJson(forwarded(AccessLog.Extras.NONE), untraced);
        assertThat(untraced.toString()).doesNotContain("trace_id");
    }
}
