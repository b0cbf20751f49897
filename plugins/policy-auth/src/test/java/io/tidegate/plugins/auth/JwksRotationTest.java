package io.tidegate.plugins.auth;

import static io.tidegate.plugins.auth.Decisions.decide;
import static io.tidegate.plugins.auth.Decisions.outcome;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import io.tidegate.spi.policy.Decision;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The jwt policy against a real JWKS endpoint on loopback that rotates its keys. */
class JwksRotationTest {

    static final RSAKey OLD = Tokens.rsa("2026-01");
    static final ECKey NEW = Tokens.ec("2026-02");

    private final TestContext context = new TestContext(Path.of("."));
    private final JwksServer jwks = new JwksServer();
    private JwtPolicy policy;

    @BeforeEach
    void serveTheOldKey() {
        jwks.serve(Tokens.jwks(OLD));
    }

    @AfterEach
    void close() {
        if (policy != null) {
            policy.close();
        }
        jwks.close();
        context.close();
    }

    private JwtPolicy policy(String extra) {
        policy = (JwtPolicy) new JwtFactory().create(TestContext.settings("""
                jwksUri: %s
                jwksRefreshInterval: 1h
                jwksMinRefetchInterval: 30s
                %s
                """.formatted(jwks.uri(), extra)), context);
        return policy;
    }

    private FakeRequest bearer(String token) {
        return FakeRequest.get("/").header("Authorization", "Bearer " + token);
    }

    private String token(com.nimbusds.jose.jwk.JWK key, JWSAlgorithm alg) {
        return Tokens.sign(key, alg, Tokens.claims(context.clock.instant()).build());
    }

    @Test
    void theFirstRequestWaitsForTheFirstFetchWithoutBlocking() {
        JwtPolicy p = policy("");
        CompletionStage<Decision> stage = p.evaluate(bearer(token(OLD, JWSAlgorithm.RS256)));
        assertThat(outcome(Decisions.await(stage))).isEqualTo("allow");
        assertThat(jwks.hits()).isEqualTo(1);
        assertThat(p.evaluate(bearer(token(OLD, JWSAlgorithm.RS256))).toCompletableFuture())
                .as("known key: verified at once").isDone();
    }

    @Test
    void anUnknownKidRefetchesSoARotatedKeyIsAcceptedAtOnce() throws Exception {
        JwtPolicy p = policy("");
        assertThat(outcome(decide(p, bearer(token(OLD, JWSAlgorithm.RS256))))).isEqualTo("allow");
        jwks.serve(Tokens.jwks(NEW)); // rotation: old key retired, new key published
        assertThat(outcome(decide(p, bearer(token(NEW, JWSAlgorithm.ES256))))).isEqualTo("allow");
        assertThat(jwks.hits()).isEqualTo(2);
        // The retired key is gone from the set: its tokens fail, even one verified (and remembered)
        // before the rotation; the refetch for its kid is rate-limited.
        Decision old = decide(p, bearer(token(OLD, JWSAlgorithm.RS256)));
        assertThat(outcome(old)).isEqualTo("401");
        assertThat(((Decision.Deny) old).reason()).contains("unknown key id '2026-01'");
        assertThat(jwks.hits()).isEqualTo(2);
    }

    @Test
    void aFloodOfMadeUpKidsCostsTheJwksServerOneRequestPerInterval() {
        JwtPolicy p = policy("");
        assertThat(outcome(decide(p, bearer(token(OLD, JWSAlgorithm.RS256))))).isEqualTo("allow");
        List<CompletionStage<Decision>> flood = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            flood.add(p.evaluate(bearer(token(Tokens.ec("made-up-" + (i % 3)), JWSAlgorithm.ES256))));
        }
        for (CompletionStage<Decision> s : flood) {
            assertThat(outcome(Decisions.await(s))).isEqualTo("401");
        }
        assertThat(jwks.hits()).as("initial fetch + one refetch").isEqualTo(2);
        assertThat(outcome(decide(p, bearer(token(OLD, JWSAlgorithm.RS256))))).as("good tokens unaffected").isEqualTo("allow");

        context.clock.advance(Duration.ofSeconds(31));
        assertThat(outcome(decide(p, bearer(token(Tokens.ec("made-up-x"), JWSAlgorithm.ES256))))).isEqualTo("401");
        assertThat(jwks.hits()).as("one more after the interval").isEqualTo(3);
    }

    @Test
    void aFailingJwksServerKeepsTheLastGoodKeys() throws Exception {
        JwtPolicy p = policy("");
        assertThat(outcome(decide(p, bearer(token(OLD, JWSAlgorithm.RS256))))).isEqualTo("allow");
        jwks.status(500);
        context.clock.advance(Duration.ofMinutes(1));
        assertThat(outcome(decide(p, bearer(token(NEW, JWSAlgorithm.ES256))))).isEqualTo("401");
        assertThat(jwks.hits()).isEqualTo(2);
        assertThat(outcome(decide(p, bearer(token(OLD, JWSAlgorithm.RS256))))).isEqualTo("allow");
    }

    @Test
    void noKeysAtAllAnswers503NotAFalse401() {
        jwks.status(503);
        JwtPolicy p = policy("");
        Decision d = decide(p, bearer(token(OLD, JWSAlgorithm.RS256)));
        assertThat(outcome(d)).isEqualTo("503");
        assertThat(((Decision.Deny) d).body()).isEqualTo("authentication unavailable");
        jwks.status(200);
        context.clock.advance(Duration.ofSeconds(31));
        assertThat(outcome(decide(p, bearer(token(OLD, JWSAlgorithm.RS256))))).isEqualTo("allow");
    }

    @Test
    void anOversizedJwksDocumentIsRefused() {
        jwks.serve("{\"keys\":[], \"pad\":\"" + "x".repeat(4096) + "\"}");
        JwtPolicy p = policy("jwksMaxSize: 1k");
        assertThat(outcome(decide(p, bearer(token(OLD, JWSAlgorithm.RS256))))).isEqualTo("503");
    }

    @Test
    void thePeriodicRefreshPicksUpRotationWithoutAnyRequest() throws Exception {
        policy = (JwtPolicy) new JwtFactory().create(TestContext.settings("""
                jwksUri: %s
                jwksRefreshInterval: 50ms
                jwksMinRefetchInterval: 1h
                """.formatted(jwks.uri())), context);
        jwks.awaitServed(1);
        jwks.serve(Tokens.jwks(OLD, NEW));
        jwks.awaitServed(2); // at least one full refresh after the change
        assertThat(outcome(decide(policy, bearer(token(NEW, JWSAlgorithm.ES256))))).isEqualTo("allow");
    }
}
