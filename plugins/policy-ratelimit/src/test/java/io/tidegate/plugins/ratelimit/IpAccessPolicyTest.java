package io.tidegate.plugins.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ip-access decisions, table-driven: on requests (X-Forwarded-For from trusted proxies) and on connections. */
class IpAccessPolicyTest {

    private final TestContext context = new TestContext();

    @AfterEach
    void close() {
        context.close();
    }

    private Policy policy(String yaml) {
        return new IpAccessFactory().create(TestContext.settings(yaml), context);
    }

    private static final String SETTINGS = """
            allow: [10.0.0.0/8, 192.0.2.0/24, 2001:db8::/32]
            deny: [10.6.0.0/16, 192.0.2.66]
            trustedProxies: [10.99.0.0/16]
            """;

    @ParameterizedTest(name = "{0} with X-Forwarded-For ''{1}'': {2}")
    @CsvSource(delimiter = '|', value = {
            "10.1.2.3     |                  | 200",
            "10.6.0.1     |                  | 403", // deny wins over allow
            "192.0.2.66   |                  | 403",
            "192.0.2.67   |                  | 200",
            "203.0.113.1  |                  | 403", // not in allow
            "2001:db8::5  |                  | 200",
            "2001:db9::5  |                  | 403",
            "203.0.113.1  | 10.1.2.3         | 403", // untrusted peer: the header is not believed
            "10.1.2.3     | 203.0.113.1      | 200", // a peer in allow, not a proxy: header ignored
            "10.99.0.1    | 203.0.113.1      | 403", // trusted proxy: judged on the client it names
            "10.99.0.1    | 10.1.2.3         | 200",
            "10.99.0.1    | 10.6.0.9         | 403",
            "10.99.0.1    | 10.6.0.9, 10.1.2.3 | 200", // the rightmost untrusted hop decides
            "10.99.0.1    | 10.1.2.3, 10.6.0.9 | 403",
            "10.99.0.1    |                  | 200", // no header: the proxy itself, inside 10.0.0.0/8
            "10.99.0.1    | garbage          | 200", // unreadable hop: the last trusted one decides
    })
    void requests(String peer, String xff, int expected) {
        Policy p = policy(SETTINGS);
        String[] headers = xff == null ? new String[0] : new String[] {"X-Forwarded-For", xff};
        Decision d = p.evaluate(Fakes.request(peer, "r", headers)).toCompletableFuture().join();
        assertThat(d instanceof Decision.Deny deny ? deny.status() : 200).isEqualTo(expected);
    }

    @ParameterizedTest(name = "connection from {0}: {1}")
    @CsvSource({
            "10.1.2.3,    true",
            "10.6.0.1,    false",
            "203.0.113.1, false",
            "10.99.0.1,   true", // a trusted proxy: its requests are judged one by one
    })
    void connections(String peer, boolean admitted) {
        Policy p = policy(SETTINGS);
        Decision d = p.onConnection(Fakes.connection(peer)).toCompletableFuture().join();
        assertThat(d instanceof Decision.Allow).isEqualTo(admitted);
    }

    @Test
    void denyOnlyAdmitsEverythingElseAndStatusIsConfigurable() {
        Policy p = policy("deny: 203.0.113.0/24\nstatus: 401\n");
        assertThat(p.evaluate(Fakes.request("198.51.100.1", "r")).toCompletableFuture().join())
                .isSameAs(Decision.ALLOW);
        assertThat(p.evaluate(Fakes.request("203.0.113.1", "r")).toCompletableFuture().join())
                .isInstanceOfSatisfying(Decision.Deny.class, d -> assertThat(d.status()).isEqualTo(401));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "allow: [10.0.0.0/33]         | tidegate.yaml:1:9: allow[0]: '10.0.0.0/33' is not an address or CIDR (expected: e.g. 10.0.0.0/8, 192.0.2.7, 2001:db8::/32)",
            "trustedProxies: [10.0.0.0/8] | tidegate.yaml:1:1: needs 'allow' or 'deny' (or both): a list of CIDRs",
            "allow: [10.0.0.1]\\nalow: 1  | tidegate.yaml:2:7: alow: unknown key (expected one of: allow, deny, status, trustedProxies)",
            "deny: [a.example]            | tidegate.yaml:1:8: deny[0]: 'a.example' is not an address or CIDR (expected: e.g. 10.0.0.0/8, 192.0.2.7, 2001:db8::/32)",
            "deny: [1.2.3.4]\\nstatus: 200 | tidegate.yaml:2:9: status: 200 (expected: 400 to 599)",
    })
    void badSettingsNameTheKey(String yaml, String message) {
        assertThatThrownBy(() -> policy(yaml.replace("\\n", "\n"))).isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }
}
