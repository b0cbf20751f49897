package io.tidegate.plugins.auth;

import static io.tidegate.plugins.auth.Decisions.decide;
import static io.tidegate.plugins.auth.Decisions.outcome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ExtAuthPolicyTest {

    private final TestContext context = new TestContext(Path.of("."));
    private final AuthServer auth = new AuthServer();

    @AfterEach
    void close() {
        auth.close();
        context.close();
    }

    private Policy policy(String extra) {
        return new ExtAuthFactory().create(TestContext.settings("""
                url: %s
                authResponseHeaders: [X-Auth-User, X-Auth-Groups]
                %s
                """.formatted(auth.url(), extra)), context);
    }

    static Stream<Arguments> decisions() {
        return Stream.of(
                Arguments.of("2xx allows", "Bearer good", "allow"),
                Arguments.of("401 is passed on", "Bearer expired", "401"),
                Arguments.of("302 to the login page is passed on", null, "302"),
                Arguments.of("403 with a large body", "Bearer big", "403"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decisions")
    void decides(String name, String authorization, String expected) {
        FakeRequest request = FakeRequest.get("/orders?id=7");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        assertThat(outcome(decide(policy(""), request))).isEqualTo(expected);
    }

    @Test
    void allowCopiesOnlyTheListedHeadersAndDropsClientForgeries() {
        Decision.Allow allow = (Decision.Allow) decide(policy(""), FakeRequest.get("/").header("Authorization", "Bearer good")
                .header("X-Auth-User", "mallory"));
        assertThat(allow.requestHeaders().remove()).containsExactly("x-auth-user", "x-auth-groups");
        assertThat(allow.requestHeaders().add()).containsExactly(new HeaderValue("x-auth-user", "alice"),
                new HeaderValue("x-auth-groups", "admins"));
    }

    @Test
    void denialsCarryTheServicesStatusBodyAndChosenHeadersOnly() {
        Decision.Deny deny = (Decision.Deny) decide(policy(""), FakeRequest.get("/").header("Authorization", "Bearer expired"));
        assertThat(deny.status()).isEqualTo(401);
        assertThat(deny.body()).isEqualTo("token expired, log in again");
        assertThat(deny.headers()).containsExactly(new HeaderValue("www-authenticate", "Bearer realm=\"sso\""));

        Decision.Deny redirect = (Decision.Deny) decide(policy(""), FakeRequest.get("/orders?id=7"));
        assertThat(redirect.status()).isEqualTo(302);
        assertThat(Decisions.header(redirect, "location"))
                .isEqualTo("https://login.test/?rd=http://app.example.com/orders?id=7");

        Decision.Deny big = (Decision.Deny) decide(policy("maxBodySize: 1k"), FakeRequest.get("/").header("Authorization", "Bearer big"));
        assertThat(big.body()).hasSize(1024);
    }

    @Test
    void withASigninUrlA401BecomesARedirectToTheLoginPage() {
        Decision.Deny deny = (Decision.Deny) decide(policy("signinUrl: https://auth.test/oauth2/start"),
                FakeRequest.get("/orders?id=7&x=a b").header("Authorization", "Bearer expired"));
        assertThat(deny.status()).isEqualTo(302);
        assertThat(Decisions.header(deny, "location")).isEqualTo(
                "https://auth.test/oauth2/start?rd=http%3A%2F%2Fapp.example.com%2Forders%3Fid%3D7%26x%3Da+b");
        Decision.Deny withQuery = (Decision.Deny) decide(policy("signinUrl: https://auth.test/start?x=1\n"
                + "signinRedirectParam: return_to"), FakeRequest.get("/").header("Authorization", "Bearer expired"));
        assertThat(Decisions.header(withQuery, "location")).isEqualTo(
                "https://auth.test/start?x=1&return_to=http%3A%2F%2Fapp.example.com%2F");
        Decision.Deny forbidden = (Decision.Deny) decide(policy("signinUrl: https://auth.test/start"),
                FakeRequest.get("/").header("Authorization", "Bearer big"));
        assertThat(forbidden.status()).as("only a 401 is redirected").isEqualTo(403);
    }

    @Test
    void theServiceSeesTheRequestsHeadersAndWhereItWasGoing() throws Exception {
        decide(policy(""), FakeRequest.get("/orders?id=7").method("POST").header("Authorization", "Bearer good")
                .header("Cookie", "s=1").header("X-Forwarded-For", "10.0.0.1").header("X-Original-URL", "http://forged/")
                .header("Connection", "keep-alive").header("Content-Length", "12"));
        Map<String, List<String>> h = lower(auth.seen.poll(5, TimeUnit.SECONDS));
        assertThat(h.get("authorization")).containsExactly("Bearer good");
        assertThat(h.get("cookie")).containsExactly("s=1");
        assertThat(h.get("x-original-url")).containsExactly("http://app.example.com/orders?id=7");
        assertThat(h.get("x-original-method")).containsExactly("POST");
        assertThat(h.get("x-forwarded-method")).containsExactly("POST");
        assertThat(h.get("x-forwarded-uri")).containsExactly("/orders?id=7");
        assertThat(h.get("x-forwarded-host")).containsExactly("app.example.com");
        assertThat(h.get("x-forwarded-proto")).containsExactly("http");
        assertThat(h.get("x-forwarded-for")).containsExactly("10.0.0.1, 127.0.0.7");
        assertThat(h.get("x-request-id")).containsExactly("req-1");
        assertThat(h.get("content-length")).as("framing headers are the client's own").isNotEqualTo(List.of("12"));

        decide(policy("requestHeaders: [Authorization]"), FakeRequest.get("/").header("Authorization", "Bearer good")
                .header("Cookie", "s=1"));
        Map<String, List<String>> only = lower(auth.seen.poll(5, TimeUnit.SECONDS));
        assertThat(only).containsKey("authorization").doesNotContainKey("cookie").containsKey("x-original-url");
    }

    @Test
    void browserHeadersTheJdkClientRestrictsDoNotFailTheCheck() throws Exception {
        Decision d = decide(policy(""), FakeRequest.get("/").header("Authorization", "Bearer good")
                .header("Origin", "https://app.example.com").header("Referer", "https://app.example.com/a")
                .header("Via", "1.1 cdn").header("Date", "Tue, 01 Dec 2026 10:00:00 GMT").header("From", "a@b.c")
                .header("Upgrade", "websocket").header("Expect", "100-continue").header("X-Odd", "caf\u00e9"));
        assertThat(outcome(d)).isEqualTo("allow");
        Map<String, List<String>> h = lower(auth.seen.poll(5, TimeUnit.SECONDS));
        assertThat(h.get("origin")).containsExactly("https://app.example.com");
        assertThat(h).doesNotContainKeys("upgrade", "expect");
    }

    private static Map<String, List<String>> lower(Map<String, List<String>> h) {
        Map<String, List<String>> out = new java.util.HashMap<>();
        h.forEach((k, v) -> out.put(k.toLowerCase(java.util.Locale.ROOT), v));
        return out;
    }

    @Test
    void noAnswerInTimeFailsClosedOrOpenAsConfigured() {
        Decision closed = decide(policy("timeout: 200ms"), FakeRequest.get("/").header("Authorization", "Bearer slow"));
        assertThat(outcome(closed)).isEqualTo("503");
        assertThat(((Decision.Deny) closed).body()).isEqualTo("authentication unavailable");
        Decision open = decide(policy("timeout: 200ms\nfailOpen: true"), FakeRequest.get("/").header("Authorization", "Bearer slow"));
        assertThat(open).isSameAs(Decision.ALLOW);
        Decision refused = decide(new ExtAuthFactory().create(TestContext.settings(
                "url: http://127.0.0.1:1/check\nfailureStatus: 502\n"), context), FakeRequest.get("/"));
        assertThat(outcome(refused)).isEqualTo("502");
    }

    static Stream<Arguments> badSettings() {
        return Stream.of(
                Arguments.of("timeout: 1s\n", "url: is required but missing"),
                Arguments.of("url: 'not a url'\n", "url: 'not a url' is not a URL"),
                Arguments.of("url: file:///etc/passwd\n", "(expected: an http or https URL)"),
                Arguments.of("url: http://a/\nmethod: DELETE\n", "method: 'DELETE' (expected one of: GET, HEAD, POST)"),
                Arguments.of("url: http://a/\nfailureStatus: 200\n", "failureStatus: 200 (expected: 400 to 599)"),
                Arguments.of("url: http://a/\ndenyResponseHeaders: [Content-Type]\n", "'content-type' is set by the gateway"),
                Arguments.of("url: http://a/\nresponseHeaders: [x]\n", "responseHeaders: unknown key (expected one of:"
                        + " authResponseHeaders, denyResponseHeaders, failOpen, failureStatus, maxBodySize, method,"
                        + " requestHeaders, signinRedirectParam, signinUrl, timeout, url)"),
                Arguments.of("url: http://a/\nsigninUrl: /relative\n", "signinUrl: '/relative' (expected: an http or https URL)"),
                Arguments.of("url: http://a/\nsigninRedirectParam: 'a b'\n", "signinRedirectParam: 'a b' (expected: a query parameter name)"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badSettings")
    void badSettingsFailNamingTheKey(String yaml, String message) {
        assertThatThrownBy(() -> new ExtAuthFactory().create(TestContext.settings(yaml), context))
                .isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }
}
