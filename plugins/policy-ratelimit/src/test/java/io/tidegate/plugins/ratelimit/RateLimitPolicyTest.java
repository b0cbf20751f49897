package io.tidegate.plugins.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.RequestView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** rate-limit decisions (local buckets), table-driven: keys, headers, missing keys, connections, settings. */
class RateLimitPolicyTest {

    private final TestContext context = new TestContext();

    @AfterEach
    void close() {
        context.close();
    }

    private Policy policy(String yaml) {
        return new RateLimitFactory().create(TestContext.settings(yaml), context);
    }

    private static Decision decide(Policy p, RequestView r) {
        return p.evaluate(r).toCompletableFuture().join();
    }

    private static String outcome(Decision d) {
        return d instanceof Decision.Deny deny ? Integer.toString(deny.status()) : "ok";
    }

    /** A key setting, then requests (peer, route, headers "N=V;N=V") and what each gets. */
    record KeyCase(String name, String key, List<String[]> requests, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static String[] req(String peer, String route, String headers) {
        return new String[] {peer, route, headers};
    }

    static List<KeyCase> keyCases() {
        return List.of(
                new KeyCase("client-ip: per peer", "[client-ip]",
                        List.of(req("192.0.2.1", "a", ""), req("192.0.2.1", "a", ""), req("192.0.2.2", "a", "")),
                        List.of("ok", "429", "ok")),
                new KeyCase("client-ip behind a trusted proxy", "[client-ip]",
                        List.of(req("10.0.0.1", "a", "X-Forwarded-For=198.51.100.1"),
                                req("10.0.0.1", "a", "X-Forwarded-For=198.51.100.2"),
                                req("10.0.0.2", "a", "X-Forwarded-For=198.51.100.1")),
                        List.of("ok", "ok", "429")),
                new KeyCase("header: per value, absent is not limited", "[header:X-Api-Key]",
                        List.of(req("192.0.2.1", "a", "x-api-key=k1"), req("192.0.2.2", "a", "X-API-KEY=k1"),
                                req("192.0.2.1", "a", "x-api-key=k2"), req("192.0.2.1", "a", ""),
                                req("192.0.2.1", "a", "")),
                        List.of("ok", "429", "ok", "ok", "ok")),
                new KeyCase("route: per route name", "[route]",
                        List.of(req("192.0.2.1", "a", ""), req("192.0.2.2", "a", ""), req("192.0.2.1", "b", "")),
                        List.of("ok", "429", "ok")),
                new KeyCase("claim: from the (verified) bearer token", "[claim:sub]",
                        List.of(req("192.0.2.1", "a", "Authorization=Bearer " + JwtClaimsTest.jwt("{\"sub\":\"alice\"}")),
                                req("192.0.2.2", "a", "Authorization=Bearer " + JwtClaimsTest.jwt("{\"sub\":\"alice\",\"x\":1}")),
                                req("192.0.2.1", "a", "Authorization=Bearer " + JwtClaimsTest.jwt("{\"sub\":\"bob\"}")),
                                req("192.0.2.1", "a", "Authorization=Bearer not-a-jwt")),
                        List.of("ok", "429", "ok", "ok")),
                new KeyCase("combination: client-ip and route", "[client-ip, route]",
                        List.of(req("192.0.2.1", "a", ""), req("192.0.2.1", "b", ""), req("192.0.2.1", "a", ""),
                                req("192.0.2.2", "a", "")),
                        List.of("ok", "ok", "429", "ok")),
                new KeyCase("combination with a missing part is not limited", "[route, header:x-user]",
                        List.of(req("192.0.2.1", "a", "x-user=u"), req("192.0.2.1", "a", "x-user=u"),
                                req("192.0.2.1", "a", ""), req("192.0.2.1", "a", "")),
                        List.of("ok", "429", "ok", "ok")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keyCases")
    void keys(KeyCase c) {
        Policy p = policy("rate: 1/m\nburst: 1\ntrustedProxies: [10.0.0.0/8]\nkey: " + c.key() + "\n");
        List<String> got = new ArrayList<>();
        for (String[] r : c.requests()) {
            List<String> headers = new ArrayList<>();
            for (String h : r[2].split(";")) {
                if (!h.isEmpty()) {
                    headers.add(h.substring(0, h.indexOf('=')));
                    headers.add(h.substring(h.indexOf('=') + 1));
                }
            }
            got.add(outcome(decide(p, Fakes.request(r[0], r[1], headers.toArray(new String[0])))));
        }
        assertThat(got).isEqualTo(c.expected());
    }

    @ParameterizedTest(name = "ipv6Prefix {0}: {1} then {2} -> {3}")
    @CsvSource({
            "64,  2001:db8:1:2::1, 2001:db8:1:2:ffff::9, 429", // one /64: one bucket
            "64,  2001:db8:1:2::1, 2001:db8:1:3::1,      ok",
            "128, 2001:db8:1:2::1, 2001:db8:1:2::2,      ok",
            "64,  192.0.2.1,       192.0.2.2,            ok", // IPv4 is never cut
    })
    void ipv6ClientsCanBeLimitedPerPrefix(int prefix, String first, String second, String expected) {
        Policy p = policy("rate: 1/m\nburst: 1\nipv6Prefix: " + prefix + "\n");
        assertThat(outcome(decide(p, Fakes.request(first, "a")))).isEqualTo("ok");
        assertThat(outcome(decide(p, Fakes.request(second, "a")))).isEqualTo(expected);
    }

    @Test
    void missingKeySharedPutsKeylessRequestsInOneBucket() {
        Policy p = policy("rate: 1/m\nburst: 1\nkey: header:x-api-key\nmissingKey: shared\n");
        assertThat(outcome(decide(p, Fakes.request("192.0.2.1", "a")))).isEqualTo("ok");
        assertThat(outcome(decide(p, Fakes.request("192.0.2.2", "a")))).isEqualTo("429");
        assertThat(outcome(decide(p, Fakes.request("192.0.2.2", "a", "x-api-key", "k")))).isEqualTo("ok");
    }

    private static Map<String, String> headers(List<HeaderValue> hs) {
        return hs.stream().collect(Collectors.toMap(HeaderValue::name, HeaderValue::value));
    }

    @Test
    void aDenialIs429WithRetryAfterAndRateLimitHeaders() {
        Policy p = policy("rate: 10/m\nburst: 2\n");
        RequestView r = Fakes.request("192.0.2.1", "a");
        assertThat(decide(p, r)).isSameAs(Decision.ALLOW); // headers: denied (default) allocates nothing on allow
        assertThat(decide(p, r)).isSameAs(Decision.ALLOW);
        Decision.Deny deny = (Decision.Deny) decide(p, r);
        assertThat(deny.status()).isEqualTo(429);
        assertThat(deny.body()).isEqualTo("rate limit exceeded");
        assertThat(headers(deny.headers())).containsExactlyInAnyOrderEntriesOf(Map.of(
                "Retry-After", "6", "RateLimit-Limit", "2", "RateLimit-Remaining", "0", "RateLimit-Reset", "12"));
        context.clock.advanceMillis(3_000);
        assertThat(headers(((Decision.Deny) decide(p, r)).headers())).containsEntry("Retry-After", "3");
        context.clock.advanceMillis(3_000);
        assertThat(decide(p, r)).isSameAs(Decision.ALLOW);
        assertThat(context.counter("tidegate_ratelimit_decisions_total", "allowed")).isEqualTo(3);
        assertThat(context.counter("tidegate_ratelimit_decisions_total", "denied")).isEqualTo(2);
    }

    @Test
    void headersAlwaysAddsThemToAllowedResponses() {
        Policy p = policy("rate: 10/s\nburst: 5\nheaders: always\nstatus: 503\n");
        RequestView r = Fakes.request("192.0.2.1", "a");
        Decision.Allow allow = (Decision.Allow) decide(p, r);
        assertThat(allow.requestHeaders().isEmpty()).isTrue();
        assertThat(headers(allow.responseHeaders().set())).containsExactlyInAnyOrderEntriesOf(Map.of(
                "RateLimit-Limit", "5", "RateLimit-Remaining", "4", "RateLimit-Reset", "1"));
        for (int i = 0; i < 4; i++) {
            decide(p, r);
        }
        assertThat(((Decision.Deny) decide(p, r)).status()).isEqualTo(503);
    }

    @Test
    void headersNeverSendsOnlyRetryAfter() {
        Policy p = policy("rate: 1/h\nburst: 1\nheaders: never\n");
        RequestView r = Fakes.request("192.0.2.1", "a");
        decide(p, r);
        assertThat(headers(((Decision.Deny) decide(p, r)).headers())).containsOnlyKeys("Retry-After")
                .containsEntry("Retry-After", "3600");
    }

    @Test
    void connectionsPerClientAreCountedAndReleased() {
        Policy p = policy("connections: 2\n");
        var a1 = Fakes.connection("192.0.2.1");
        var b1 = Fakes.connection("192.0.2.2");
        List<Boolean> got = new ArrayList<>();
        for (var c : List.of(a1, a1, a1, b1)) {
            got.add(p.onConnection(c).toCompletableFuture().join() instanceof Decision.Allow);
        }
        assertThat(got).containsExactly(true, true, false, true);
        p.onConnectionClosed(a1);
        assertThat(p.onConnection(a1).toCompletableFuture().join()).isInstanceOf(Decision.Allow.class);
        assertThat(p.onConnection(a1).toCompletableFuture().join()).isInstanceOf(Decision.Deny.class);
        p.onConnectionClosed(a1);
        p.onConnectionClosed(a1);
        p.onConnectionClosed(b1);
        assertThat(((RateLimitPolicy) p).connectionLimiter().open(Fakes.ip("192.0.2.1"))).isZero();
        // Requests are not limited by a connections-only policy.
        assertThat(decide(p, Fakes.request("192.0.2.1", "a"))).isSameAs(Decision.ALLOW);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "burst: 3                   | tidegate.yaml:1:1: needs 'rate' (e.g. rate: 10/s) or 'connections' (open connections per client), or both",
            "rate: 10                   | tidegate.yaml:1:7: rate: '10' is not a rate (expected: COUNT/PERIOD, e.g. 10/s, 100/m, 5000/h, 30/10s)",
            "rate: 10/fortnight         | tidegate.yaml:1:7: rate: '10/fortnight' is not a rate (expected: COUNT/PERIOD, e.g. 10/s, 100/m, 5000/h, 30/10s)",
            "rate: 0/s                  | tidegate.yaml:1:7: rate: '0/s': count 0 (expected: 1 to 1000000000)",
            "rate: 10/s\\nburst: 0      | tidegate.yaml:2:8: burst: 0 (expected: 1 to 1000000)",
            "rate: 10/s\\nkey: [ip]     | tidegate.yaml:2:7: key[0]: 'ip' is not a key part (expected: client-ip, route, header:NAME, claim:NAME)",
            "rate: 10/s\\nkey: [route, 'header:'] | tidegate.yaml:2:14: key[1]: 'header:' is not a key part (expected: client-ip, route, header:NAME, claim:NAME)",
            "rate: 10/s\\nrps: 10       | tidegate.yaml:2:6: rps: unknown key (expected one of: burst, connections, headers, ipv6Prefix, jwtHeader, key, maxKeys, missingKey, rate, redis, status, trustedProxies)",
            "rate: 10/s\\nheaders: some | tidegate.yaml:2:10: headers: 'some' (expected one of: denied, always, never)",
            "rate: 10/s\\nmissingKey: deny | tidegate.yaml:2:13: missingKey: 'deny' (expected one of: skip, shared)",
            "rate: 10/s\\ntrustedProxies: [proxy] | tidegate.yaml:2:18: trustedProxies[0]: 'proxy' is not an address or CIDR (expected: e.g. 10.0.0.0/8, 192.0.2.7, 2001:db8::/32)",
            "connections: 5\\nredis: {address: 127.0.0.1:6379} | tidegate.yaml:2:8: redis: needs 'rate' (connection limits are per gateway, never global)",
            "rate: 10/s\\nredis: {address: localhost} | tidegate.yaml:2:18: redis.address: 'localhost' (expected: HOST:PORT, e.g. 127.0.0.1:6379)",
            "rate: 10/s\\nredis: {address: 127.0.0.1:6379, onError: maybe} | tidegate.yaml:2:43: redis.onError: 'maybe' (expected one of: allow (fail open), deny (fail closed))",
            "rate: 10/s\\nredis: {address: 127.0.0.1:6379, timeout: 100} | tidegate.yaml:2:43: redis.timeout: '100' is not a duration (expected: e.g. 250ms, 30s, 1m30s, 2h)",
            "rate: 10/s\\nredis: {uri: 'redis://app:s3cret@127.0.0.1:6379/x'} | tidegate.yaml:2:14: redis.uri: 'redis://***@127.0.0.1:6379/x' is not a Redis URI (For input string: \"x\"; expected: e.g. redis://10.0.0.5:6379/0, rediss://...)",
            "rate: 10/s\\nredis: {adress: 127.0.0.1:6379} | tidegate.yaml:2:17: redis.adress: unknown key (expected one of: address, errorStatus, onError, prefix, timeout, uri)",
    })
    void badSettingsNameTheKey(String yaml, String message) {
        assertThatThrownBy(() -> policy(yaml.replace("\\n", "\n"))).isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    @ParameterizedTest(name = "{0} is one request per {1} ns")
    @CsvSource({"10/s, 100000000", "100/m, 600000000", "3600/h, 1000000000", "30/10s, 333333333", "1/1m30s, 90000000000"})
    void rates(String text, long intervalNanos) {
        assertThat(Rate.parse(io.tidegate.spi.config.ConfigNode.fromObject(text, "t")).intervalNanos())
                .isEqualTo(intervalNanos);
    }

    @ParameterizedTest(name = "timeout {0}: decisions {1} ms, handshake {2} ms")
    @CsvSource({"100ms, 100, 2000", "5s, 5000, 5000"})
    void aDecisionsTimeoutNeverShortensTheConnectionHandshake(String timeout, long decisionMs, long handshakeMs) {
        RateLimitSettings.Redis r = RateLimitSettings.parse(io.tidegate.spi.config.ConfigNode.fromObject(
                java.util.Map.of("rate", "10/s", "redis", java.util.Map.of("address", "127.0.0.1:6379", "timeout",
                        timeout)), "t")).redis();
        assertThat(r.timeout().toMillis()).isEqualTo(decisionMs);
        assertThat(r.uri().getTimeout().toMillis()).isEqualTo(handshakeMs);
    }
}
