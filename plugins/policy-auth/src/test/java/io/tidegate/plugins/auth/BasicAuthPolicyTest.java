package io.tidegate.plugins.auth;

import static io.tidegate.plugins.auth.Decisions.decide;
import static io.tidegate.plugins.auth.Decisions.outcome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BasicAuthPolicyTest {

    static final String BCRYPT_ALICE = BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(4, "wonderland".toCharArray());
    static final String HTPASSWD = "alice:" + BCRYPT_ALICE + "\n"
            + "bob:$apr1$saltsalt$LrttParrLPdxvgutaSXWJ0\n" // secret
            + "carol:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n"; // secret

    @TempDir
    Path dir;

    private final TestContext context = new TestContext(Path.of("."));
    private Policy policy;

    @AfterEach
    void close() {
        if (policy != null) {
            policy.close();
        }
        context.close();
    }

    private Policy policy(String yaml) {
        policy = new BasicAuthFactory().create(TestContext.settings(yaml), context);
        return policy;
    }

    private Policy inline() {
        return policy("realm: staff\nuserHeader: X-Auth-User\nhtpasswd: |\n"
                + HTPASSWD.lines().map(l -> "  " + l + "\n").reduce("", String::concat));
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    static Stream<Arguments> decisions() {
        return Stream.of(
                Arguments.of("bcrypt user, right password", basic("alice", "wonderland"), "allow"),
                Arguments.of("apr1 user, right password", basic("bob", "secret"), "allow"),
                Arguments.of("sha user, right password", basic("carol", "secret"), "allow"),
                Arguments.of("lower-case scheme", "basic " + basic("carol", "secret").substring(6), "allow"),
                Arguments.of("bcrypt user, wrong password", basic("alice", "wonderlan"), "401"),
                Arguments.of("apr1 user, wrong password", basic("bob", "Secret"), "401"),
                Arguments.of("sha user, wrong password", basic("carol", "nope"), "401"),
                Arguments.of("unknown user", basic("mallory", "secret"), "401"),
                Arguments.of("no header", null, "401"),
                Arguments.of("bearer instead", "Bearer abc", "401"),
                Arguments.of("not base64", "Basic !!!", "401"),
                Arguments.of("no colon", "Basic " + Base64.getEncoder().encodeToString("alice".getBytes(StandardCharsets.UTF_8)), "401"));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("decisions")
    void decides(String name, String authorization, String expected) {
        FakeRequest request = FakeRequest.get("/");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        Decision d = decide(inline(), request);
        assertThat(outcome(d)).isEqualTo(expected);
        if (d instanceof Decision.Deny deny) {
            assertThat(Decisions.header(deny, "www-authenticate")).isEqualTo("Basic realm=\"staff\", charset=\"UTF-8\"");
            assertThat(deny.body()).isEqualTo("unauthorized"); // never why
            if (authorization != null && authorization.length() > 6) {
                // The reason is logged: it may name the user, never the credential.
                String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).replaceAll("[^A-Za-z0-9+/=]", "")),
                        StandardCharsets.UTF_8);
                String password = decoded.contains(":") ? decoded.substring(decoded.indexOf(':') + 1) : decoded;
                assertThat(deny.reason()).doesNotContain(authorization.substring(6));
                if (!password.isEmpty()) {
                    assertThat(deny.reason()).doesNotContain(password);
                }
            }
        } else {
            Decision.Allow allow = (Decision.Allow) d;
            assertThat(allow.requestHeaders().remove()).containsExactly("authorization", "x-auth-user");
            assertThat(Decisions.setHeader(d, "x-auth-user")).isNotNull();
        }
    }

    @Test
    void bcryptRunsOffTheCallingThreadAndRepeatsAreServedFromTheCache() {
        Policy p = inline();
        CompletionStage<Decision> first = p.evaluate(FakeRequest.get("/").header("authorization", basic("alice", "wonderland")));
        Decision d = Decisions.await(first);
        assertThat(outcome(d)).isEqualTo("allow");
        assertThat(Decisions.setHeader(d, "x-auth-user")).isEqualTo("alice");
        assertThat(((BasicAuthPolicy) p).cachedCredentials()).isEqualTo(1);

        CompletionStage<Decision> again = p.evaluate(FakeRequest.get("/").header("authorization", basic("alice", "wonderland")));
        assertThat(again.toCompletableFuture()).as("cached: answered at once").isDone();
        assertThat(Decisions.setHeader(Decisions.await(again), "x-auth-user")).isEqualTo("alice");

        // A wrong password is never cached as good, and the cache expires.
        assertThat(outcome(decide(p, FakeRequest.get("/").header("authorization", basic("alice", "x"))))).isEqualTo("401");
        context.clock.advance(Duration.ofMinutes(2));
        CompletionStage<Decision> expired = p.evaluate(FakeRequest.get("/").header("authorization", basic("alice", "wonderland")));
        assertThat(outcome(Decisions.await(expired))).isEqualTo("allow");
    }

    @Test
    void bcryptRunsOnABoundedWorkerQueueAndAFullQueueAnswers503() {
        String slow = BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(10, "pw".toCharArray());
        Policy p = policy("workers: 1\nqueueSize: 1\nhtpasswd: 'erin:" + slow + "'\n");
        java.util.List<CompletionStage<Decision>> stages = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            stages.add(p.evaluate(FakeRequest.get("/").header("authorization", basic("erin", "pw"))));
        }
        // One check runs, one waits; the calling thread (an event loop in the gateway) never ran one.
        assertThat(stages.get(0).toCompletableFuture()).isNotDone();
        Decision rejected = Decisions.await(stages.get(19));
        assertThat(outcome(rejected)).isEqualTo("503");
        assertThat(Decisions.header((Decision.Deny) rejected, "retry-after")).isEqualTo("1");
        assertThat(outcome(Decisions.await(stages.get(0)))).isEqualTo("allow");
        assertThat(outcome(Decisions.await(stages.get(1)))).isEqualTo("allow");
    }

    @Test
    void keepsCredentialsWhenToldAndLoadsAFileThatItReloads() throws Exception {
        Path file = dir.resolve("users");
        Files.writeString(file, "carol:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n");
        Policy p = policy("htpasswdFile: " + file + "\nstripCredentials: false\nreloadInterval: 20ms\n");
        Decision d = decide(p, FakeRequest.get("/").header("authorization", basic("carol", "secret")));
        assertThat(d).isSameAs(Decision.ALLOW);
        Files.writeString(file, "dave:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n# longer now\n");
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (outcome(decide(p, FakeRequest.get("/").header("authorization", basic("dave", "secret")))).equals("401")) {
            assertThat(System.nanoTime()).as("reloaded within 5s").isLessThan(deadline);
            Thread.onSpinWait();
        }
        assertThat(outcome(decide(p, FakeRequest.get("/").header("authorization", basic("carol", "secret"))))).isEqualTo("401");
    }

    static Stream<Arguments> badSettings() {
        return Stream.of(
                Arguments.of("htpasswd: 'a:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ='\nrealms: x\n",
                        "tidegate.yaml:2:9: realms: unknown key (expected one of: cacheSize, cacheTtl, htpasswd,"
                                + " htpasswdFile, queueSize, realm, reloadInterval, stripCredentials, userHeader, workers)"),
                Arguments.of("realm: x\n", "tidegate.yaml:1:1: needs one of: htpasswd, htpasswdFile"),
                Arguments.of("htpasswd: 'a:plain'\n", "tidegate.yaml:1:11: htpasswd: line 1 (user 'a'): unsupported password format"),
                Arguments.of("htpasswdFile: /nonexistent/users\n", "htpasswdFile: cannot read /nonexistent/users"),
                Arguments.of("htpasswd: 'a:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ='\nrealm: 'a\"b'\n",
                        "realm: must not contain quotes"),
                Arguments.of("htpasswd: 'a:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ='\nuserHeader: 'x y'\n",
                        "userHeader: 'x y' is not a valid header name"),
                Arguments.of("htpasswd: 'a:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ='\nworkers: 0\n", "workers: 0 (expected: 1 to 64)"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badSettings")
    void badSettingsFailNamingTheKey(String yaml, String message) {
        assertThatThrownBy(() -> policy(yaml)).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }
}
