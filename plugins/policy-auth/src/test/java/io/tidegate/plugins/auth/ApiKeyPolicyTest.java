package io.tidegate.plugins.auth;

import static io.tidegate.plugins.auth.Decisions.decide;
import static io.tidegate.plugins.auth.Decisions.outcome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ApiKeyPolicyTest {

    /** {@code printf %s key-of-team-a | sha256sum}, as docs/policy-auth.md tells operators to compute it. */
    static final String TEAM_A = Support.sha256Hex("key-of-team-a");
    static final String TEAM_B = Support.sha256Hex("clé-b"); // non-ASCII keys hash their UTF-8 bytes

    private final TestContext context = new TestContext(Path.of("."));

    @AfterEach
    void close() {
        context.close();
    }

    private Policy policy(String extra) {
        return new ApiKeyFactory().create(TestContext.settings("""
                keys:
                  - id: team-a
                    sha256: %s
                  - id: team-b
                    sha256: %s
                %s
                """.formatted(TEAM_A, TEAM_B.toUpperCase(java.util.Locale.ROOT), extra)), context);
    }

    @Test
    void theDocumentedDigestIsTheShellsSha256sum() {
        // printf %s secret | sha256sum
        assertThat(Support.sha256Hex("secret"))
                .isEqualTo("2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b");
    }

    static Stream<Arguments> decisions() {
        return Stream.of(
                Arguments.of("header only", "", FakeRequest.get("/").header("X-API-Key", "key-of-team-a"), "allow", "team-a"),
                Arguments.of("header, any case", "", FakeRequest.get("/").header("x-api-key", "clé-b"), "allow", "team-b"),
                Arguments.of("header, wrong key", "", FakeRequest.get("/").header("X-API-Key", "key-of-team-c"), "401", null),
                Arguments.of("header, empty", "", FakeRequest.get("/").header("X-API-Key", ""), "401", null),
                Arguments.of("no key", "", FakeRequest.get("/"), "401", null),
                Arguments.of("query ignored unless configured", "", FakeRequest.get("/?api_key=key-of-team-a"), "401", null),
                Arguments.of("query configured", "queryParam: api_key", FakeRequest.get("/?api_key=key-of-team-a"), "allow", "team-a"),
                Arguments.of("query configured, wrong", "queryParam: api_key", FakeRequest.get("/?api_key=nope"), "401", null),
                Arguments.of("query only: header not read", "queryParam: api_key",
                        FakeRequest.get("/").header("X-API-Key", "key-of-team-a"), "401", null),
                Arguments.of("both configured, header wins", "queryParam: api_key\nheader: X-Key",
                        FakeRequest.get("/?api_key=nope").header("X-Key", "key-of-team-a"), "allow", "team-a"),
                Arguments.of("custom header", "header: Authorization-Key",
                        FakeRequest.get("/").header("authorization-key", "clé-b"), "allow", "team-b"));
    }

    @ParameterizedTest(name = "{0} -> {3}")
    @MethodSource("decisions")
    void decides(String name, String extra, FakeRequest request, String expected, String consumer) {
        Decision d = decide(policy(extra + "\nconsumerHeader: X-Consumer-Id\nrealm: api"), request);
        assertThat(outcome(d)).isEqualTo(expected);
        if (d instanceof Decision.Allow allow) {
            assertThat(Decisions.setHeader(d, "x-consumer-id")).isEqualTo(consumer);
            assertThat(allow.requestHeaders().remove()).contains("x-consumer-id"); // a client cannot claim an id
        } else {
            Decision.Deny deny = (Decision.Deny) d;
            assertThat(Decisions.header(deny, "www-authenticate")).isEqualTo("ApiKey realm=\"api\"");
            assertThat(deny.body()).isEqualTo("unauthorized");
            String presented = request.header("x-api-key") != null ? request.header("x-api-key") : request.queryParam("api_key");
            if (presented != null && !presented.isEmpty()) {
                assertThat(deny.reason()).as("the reason is logged").doesNotContain(presented);
            }
        }
    }

    @Test
    void stripsTheHeaderByDefaultAndAnsweredDecisionsArePrecomputed() {
        Policy p = policy("");
        var first = p.evaluate(FakeRequest.get("/").header("X-API-Key", "key-of-team-a"));
        var second = p.evaluate(FakeRequest.get("/").header("X-API-Key", "key-of-team-a"));
        assertThat(first).isSameAs(second); // one completed stage per key, nothing built per request
        Decision.Allow allow = (Decision.Allow) Decisions.await(first);
        assertThat(allow.requestHeaders().remove()).containsExactly("x-api-key");
        assertThat(allow.requestHeaders().set()).isEmpty();
        Decision.Allow kept = (Decision.Allow) decide(policy("stripCredentials: false"),
                FakeRequest.get("/").header("X-API-Key", "key-of-team-a"));
        assertThat(kept).isSameAs(Decision.ALLOW);
    }

    static Stream<Arguments> badSettings() {
        return Stream.of(
                Arguments.of("keys:\n  - id: a\n    sha256: 1234\n",
                        "tidegate.yaml:3:13: keys[0].sha256: is not a SHA-256 digest (expected: 64 hex digits"),
                Arguments.of("keys:\n  - id: a\n    key: plaintext\n",
                        "tidegate.yaml:3:10: keys[0].key: unknown key (expected one of: id, sha256)"),
                Arguments.of("keys:\n  - id: a\n    sha256: " + TEAM_A + "\n  - id: b\n    sha256: " + TEAM_A + "\n",
                        "keys[1].sha256: the same key digest is listed for 'a' and 'b'"),
                Arguments.of("keys: []\n", "keys: is empty"),
                Arguments.of("header: X-Key\n", "keys: is required but missing"),
                Arguments.of("keys:\n  - sha256: " + TEAM_A + "\n", "keys[0].id: is required but missing"),
                Arguments.of("keys:\n  - id: a\n    sha256: " + TEAM_A + "\nheaders: x\n",
                        "headers: unknown key (expected one of: consumerHeader, header, keys, queryParam, realm, stripCredentials)"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badSettings")
    void badSettingsFailNamingTheKeyAndNeverEchoAKey(String yaml, String message) {
        assertThatThrownBy(() -> new ApiKeyFactory().create(TestContext.settings(yaml), context))
                .isInstanceOf(ConfigException.class).hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("plaintext"));
    }
}
