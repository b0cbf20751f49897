package io.tidegate.plugins.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.spi.config.ConfigException;
import org.junit.jupiter.api.Test;

/** Settings are checked once, at create, and every error names the file, line and key. */
class EgressSettingsTest {

    private static EgressSettings parse(String yaml) {
        return EgressSettings.parse(TestContext.settings(yaml));
    }

    @Test
    void defaultsAreDenyWithLocalRangesBlockedAndNoAudit() {
        EgressSettings s = parse("allow: [{host: api.example.com}]");
        assertThat(s.audit()).isFalse();
        EgressRules.Target other = new EgressRules.Target("other.test", null, 80, Protocol.Traffic.HTTP, null, false);
        assertThat(s.rules().onRequest(other).code()).isEqualTo("not_allowed");
    }

    @Test
    void unknownKeysFailNamingTheKeyAndLine() {
        assertThatThrownBy(() -> parse("mode: deny\nallowed: []"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("tidegate.yaml:2")
                .hasMessageContaining("allowed: unknown key (expected one of: allow, audit, deny, denyLocal, mode)");
        assertThatThrownBy(() -> parse("allow:\n  - host: a.test\n    port: [443]"))
                .hasMessageContaining("tidegate.yaml:3")
                .hasMessageContaining("allow[0].port: unknown key");
    }

    @Test
    void badValuesSayWhatWasExpected() {
        assertThatThrownBy(() -> parse("mode: registry-only"))
                .hasMessageContaining("mode: 'registry-only' (expected one of: deny, allow)");
        assertThatThrownBy(() -> parse("allow: [{host: a.test, cidr: 10.0.0.0/8}]"))
                .hasMessageContaining("allow[0]").hasMessageContaining("exactly one of host, sni, cidr");
        assertThatThrownBy(() -> parse("allow: [{ports: [443]}]"))
                .hasMessageContaining("allow[0]").hasMessageContaining("needs one of: host, sni, cidr");
        assertThatThrownBy(() -> parse("allow: [{cidr: 10.0.0.1/8}]"))
                .hasMessageContaining("allow[0].cidr").hasMessageContaining("host bits set (expected: 10.0.0.0/8)");
        assertThatThrownBy(() -> parse("allow: [{cidr: 10.0.0.0/33}]"))
                .hasMessageContaining("allow[0].cidr").hasMessageContaining("prefix length (expected: 0-32)");
        assertThatThrownBy(() -> parse("deny: [{cidr: example.com/8}]"))
                .hasMessageContaining("deny[0].cidr").hasMessageContaining("is not a CIDR block");
        assertThatThrownBy(() -> parse("allow: [{cidr: 10.1.0.0/16, except: [10.2.0.0/16]}]"))
                .hasMessageContaining("allow[0].except[0]").hasMessageContaining("outside the rule's cidr 10.1.0.0/16");
        assertThatThrownBy(() -> parse("allow: [{host: a.test, except: [10.2.0.0/16]}]"))
                .hasMessageContaining("allow[0].except").hasMessageContaining("only a cidr rule has exceptions");
        assertThatThrownBy(() -> parse("allow: [{host: 'api.*.com'}]"))
                .hasMessageContaining("allow[0].host").hasMessageContaining("whole first label");
        assertThatThrownBy(() -> parse("allow: [{host: a.test, ports: [0]}]"))
                .hasMessageContaining("allow[0].ports[0]").hasMessageContaining("expected: 1 to 65535");
        assertThatThrownBy(() -> parse("allow: [{host: a.test, protocols: [udp]}]"))
                .hasMessageContaining("allow[0].protocols[0]")
                .hasMessageContaining("'udp' (expected one of: http, https, tls, tcp)");
        assertThatThrownBy(() -> parse("audit: maybe")).hasMessageContaining("audit");
    }

    @Test
    void ipv6BlocksParse() {
        EgressSettings s = parse("mode: deny\nallow: [{cidr: 'fd00::/8', except: ['fd00:1::/32']}]");
        EgressRules.Target t = new EgressRules.Target("fd00:2::1", Cidr.literal("fd00:2::1"), 443,
                Protocol.Traffic.TUNNEL, null, true);
        assertThat(s.rules().onRequest(t).allowed()).isTrue();
        EgressRules.Target excepted = new EgressRules.Target("fd00:1::1", Cidr.literal("fd00:1::1"), 443,
                Protocol.Traffic.TUNNEL, null, true);
        assertThat(s.rules().onRequest(excepted).code()).isEqualTo("not_allowed");
    }
}
