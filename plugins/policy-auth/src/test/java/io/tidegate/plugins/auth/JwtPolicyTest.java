package io.tidegate.plugins.auth;

import static io.tidegate.plugins.auth.Decisions.decide;
import static io.tidegate.plugins.auth.Decisions.outcome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The jwt policy against a local JWK set: every decision, table-driven. */
class JwtPolicyTest {

    static final RSAKey RSA = Tokens.rsa("rsa-1");
    static final RSAKey OTHER_RSA = Tokens.rsa("rsa-1"); // same kid, other key: a forgery
    static final ECKey EC = Tokens.ec("ec-1");
    static final OctetSequenceKey OCT = Tokens.oct("hs-1");
    static final TestContext CONTEXT = new TestContext(Path.of("."));

    @TempDir
    Path dir;

    @AfterAll
    static void closeContext() {
        CONTEXT.close();
    }

    static Instant now() {
        return CONTEXT.clock.instant();
    }

    static JWTClaimsSet.Builder valid() {
        return Tokens.claims(now());
    }

    static String settings(String extra) {
        return """
                jwks: '%s'
                issuer: https://issuer.test
                audience: [api, other]
                algorithms: [RS256, ES256, HS256]
                claimsToHeaders: {sub: X-User, groups: X-Groups}
                %s
                """.formatted(Tokens.jwksWithSecrets(RSA, EC, OCT), extra);
    }

    static Policy policy(String extra) {
        return new JwtFactory().create(TestContext.settings(settings(extra)), CONTEXT);
    }

    static Arguments row(String name, Function<Instant, String> token, String expected) {
        return Arguments.of(name, token, expected);
    }

    static Stream<Arguments> decisions() {
        return Stream.of(
                row("RS256 valid", n -> Tokens.sign(RSA, JWSAlgorithm.RS256, valid().build()), "allow"),
                row("ES256 valid", n -> Tokens.sign(EC, JWSAlgorithm.ES256, valid().build()), "allow"),
                row("HS256 valid (listed)", n -> Tokens.sign(OCT, JWSAlgorithm.HS256, valid().build()), "allow"),
                row("no kid: any key of the algorithm", n -> Tokens.sign(new RSAKey.Builder(RSA).keyID(null).build(),
                        JWSAlgorithm.RS256, valid().build()), "allow"),
                row("second audience", n -> Tokens.sign(RSA, JWSAlgorithm.RS256, valid().audience(List.of("x", "other")).build()), "allow"),
                row("expired", n -> Tokens.sign(RSA, JWSAlgorithm.RS256,
                        valid().expirationTime(Date.from(n.minusSeconds(120))).build()), "401"),
                row("expired, within the skew", n -> Tokens.sign(RSA, JWSAlgorithm.RS256,
                        valid().expirationTime(Date.from(n.minusSeconds(30))).build()), "allow"),
                row("nbf in the future", n -> Tokens.sign(RSA, JWSAlgorithm.RS256,
                        valid().notBeforeTime(Date.from(n.plusSeconds(300))).build()), "401"),
                row("nbf within the skew", n -> Tokens.sign(RSA, JWSAlgorithm.RS256,
                        valid().notBeforeTime(Date.from(n.plusSeconds(30))).build()), "allow"),
                row("wrong audience", n -> Tokens.sign(RSA, JWSAlgorithm.RS256, valid().audience("billing").build()), "401"),
                row("no audience", n -> Tokens.sign(RSA, JWSAlgorithm.RS256, valid().audience((String) null).build()), "401"),
                row("wrong issuer", n -> Tokens.sign(RSA, JWSAlgorithm.RS256, valid().issuer("https://evil.test").build()), "401"),
                row("no issuer", n -> Tokens.sign(RSA, JWSAlgorithm.RS256, valid().issuer(null).build()), "401"),
                row("no exp", n -> Tokens.sign(RSA, JWSAlgorithm.RS256, valid().expirationTime(null).build()), "401"),
                row("forged: other key, same kid", n -> Tokens.sign(OTHER_RSA, JWSAlgorithm.RS256, valid().build()), "401"),
                row("tampered payload", n -> tamper(Tokens.sign(RSA, JWSAlgorithm.RS256, valid().build())), "401"),
                row("alg none", n -> new PlainJWT(valid().build()).serialize(), "401"),
                row("alg not allowed (RS512)", n -> Tokens.sign(RSA, JWSAlgorithm.RS512, valid().build()), "401"),
                row("HS256 with the RSA public key as secret (confusion)", n -> confused(), "401"),
                row("ES256 alg with the RSA kid", n -> Tokens.sign(EC, JWSAlgorithm.ES256, valid().build(),
                        h -> h.keyID("rsa-1")), "401"),
                row("unknown kid (local set: no refetch)", n -> Tokens.sign(Tokens.rsa("nobody"), JWSAlgorithm.RS256,
                        valid().build()), "401"),
                row("not a JWT", n -> "abc.def", "401"),
                row("empty bearer", n -> "", "401"));
    }

    static String tamper(String jwt) {
        String[] parts = jwt.split("\\.");
        String payload = Base64URL.encode(Base64URL.from(parts[1]).decodeToString().replace("user-1", "admin")).toString();
        return parts[0] + "." + payload + "." + parts[2];
    }

    /** The classic confusion attack: HMAC-sign with the server's RSA public key bytes. */
    static String confused() {
        try {
            byte[] secret = RSA.toRSAPublicKey().getEncoded();
            var jwt = new com.nimbusds.jwt.SignedJWT(new com.nimbusds.jose.JWSHeader.Builder(JWSAlgorithm.HS256)
                    .keyID("rsa-1").build(), valid().build());
            jwt.sign(new MACSigner(secret));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("decisions")
    void decides(String name, Function<Instant, String> token, String expected) {
        Policy p = policy("realm: api");
        Decision d = decide(p, FakeRequest.get("/").header("Authorization", "Bearer " + token.apply(now())));
        assertThat(outcome(d)).isEqualTo(expected);
        if (d instanceof Decision.Deny deny) {
            assertThat(Decisions.header(deny, "www-authenticate")).isIn(
                    "Bearer realm=\"api\", error=\"invalid_token\"", "Bearer realm=\"api\"");
            assertThat(deny.body()).isEqualTo("unauthorized");
            assertThat(deny.reason()).isNotEmpty();
            String presented = token.apply(now());
            if (presented.length() > 10) {
                assertThat(deny.reason()).as("the reason is logged").doesNotContain(presented.substring(0, 10));
            }
        } else {
            assertThat(Decisions.setHeader(d, "x-user")).isEqualTo("user-1");
        }
    }

    @Test
    void claimsBecomeHeadersAndClientCopiesOfThemAreRemoved() {
        String token = Tokens.sign(RSA, JWSAlgorithm.RS256, valid().claim("groups", List.of("admins", "ops")).build());
        Decision.Allow allow = (Decision.Allow) decide(policy("stripCredentials: true"),
                FakeRequest.get("/").header("Authorization", "Bearer " + token).header("X-User", "forged"));
        assertThat(Decisions.setHeader(allow, "x-user")).isEqualTo("user-1");
        assertThat(Decisions.setHeader(allow, "x-groups")).isEqualTo("admins,ops");
        assertThat(allow.requestHeaders().remove()).containsExactlyInAnyOrder("x-user", "x-groups", "authorization");
        Decision.Allow noGroups = (Decision.Allow) decide(policy(""),
                FakeRequest.get("/").header("Authorization", "Bearer " + Tokens.sign(RSA, JWSAlgorithm.RS256, valid().build())));
        assertThat(Decisions.setHeader(noGroups, "x-groups")).isNull();
        assertThat(noGroups.requestHeaders().remove()).containsExactlyInAnyOrder("x-user", "x-groups");
    }

    @Test
    void noTokenGetsAChallengeWithoutAnErrorCode() {
        Decision.Deny deny = (Decision.Deny) decide(policy(""), FakeRequest.get("/"));
        assertThat(deny.status()).isEqualTo(401);
        assertThat(Decisions.header(deny, "www-authenticate")).isEqualTo("Bearer realm=\"tidegate\"");
        Decision.Deny basic = (Decision.Deny) decide(policy(""), FakeRequest.get("/").header("authorization", "Basic eDp5"));
        assertThat(basic.status()).isEqualTo(401);
    }

    @Test
    void tokensFromACookieOrAQueryParameter() {
        String token = Tokens.sign(RSA, JWSAlgorithm.RS256, valid().build());
        Policy cookie = policy("tokenCookie: session");
        assertThat(outcome(decide(cookie, FakeRequest.get("/").header("Cookie", "a=b; session=" + token + "; c=d"))))
                .isEqualTo("allow");
        assertThat(outcome(decide(cookie, FakeRequest.get("/").header("Authorization", "Bearer " + token))))
                .as("only the configured places are read").isEqualTo("401");
        Policy query = policy("tokenQueryParam: access_token");
        assertThat(outcome(decide(query, FakeRequest.get("/?access_token=" + token)))).isEqualTo("allow");
        Policy header = policy("tokenHeader: X-Token");
        assertThat(outcome(decide(header, FakeRequest.get("/").header("X-Token", token)))).isEqualTo("allow");
        assertThat(outcome(decide(header, FakeRequest.get("/").header("X-Token", "Bearer " + token)))).isEqualTo("allow");
    }

    @Test
    void clockSkewAndExpiryRequirementAreSettings() {
        String expired30s = Tokens.sign(RSA, JWSAlgorithm.RS256,
                valid().expirationTime(Date.from(now().minusSeconds(30))).build());
        assertThat(outcome(decide(policy("clockSkew: 0s"), FakeRequest.get("/").header("Authorization", "Bearer " + expired30s))))
                .isEqualTo("401");
        String noExp = Tokens.sign(RSA, JWSAlgorithm.RS256, valid().expirationTime(null).build());
        assertThat(outcome(decide(policy("requireExpiration: false"), FakeRequest.get("/").header("Authorization", "Bearer " + noExp))))
                .isEqualTo("allow");
    }

    @Test
    void hs256IsRefusedUnlessListedAndKeysComeFromAFileToo() throws Exception {
        Path file = dir.resolve("jwks.json");
        Files.writeString(file, Tokens.jwksWithSecrets(RSA, OCT));
        Policy p = new JwtFactory().create(TestContext.settings("jwksFile: " + file + "\n"), CONTEXT);
        assertThat(outcome(decide(p, FakeRequest.get("/").header("Authorization", "Bearer "
                + Tokens.sign(OCT, JWSAlgorithm.HS256, valid().build()))))).isEqualTo("401");
        assertThat(outcome(decide(p, FakeRequest.get("/").header("Authorization", "Bearer "
                + Tokens.sign(RSA, JWSAlgorithm.RS256, valid().build()))))).isEqualTo("allow");
    }

    @Test
    void aVerifiedTokenIsRememberedButNeverPastItsExpiry() {
        Policy p = policy("clockSkew: 0s");
        String es = Tokens.sign(EC, JWSAlgorithm.ES256, valid().expirationTime(Date.from(now().plusSeconds(20))).build());
        var first = p.evaluate(FakeRequest.get("/").header("Authorization", "Bearer " + es));
        assertThat(outcome(Decisions.await(first))).isEqualTo("allow");
        // Remembered: answered at once (an ES256 check that is not remembered runs on a worker).
        CONTEXT.clock.advance(java.time.Duration.ofSeconds(19));
        var again = p.evaluate(FakeRequest.get("/").header("Authorization", "Bearer " + es));
        assertThat(again.toCompletableFuture()).isDone();
        assertThat(outcome(Decisions.await(again))).isEqualTo("allow");
        // The cache's own TTL (1m) is longer, but the token expired: checked again, and refused.
        CONTEXT.clock.advance(java.time.Duration.ofSeconds(2));
        assertThat(outcome(decide(p, FakeRequest.get("/").header("Authorization", "Bearer " + es)))).isEqualTo("401");
        p.close();
    }

    static Stream<Arguments> badSettings() {
        String jwks = "jwks: '" + Tokens.jwks(RSA) + "'\n";
        return Stream.of(
                Arguments.of(jwks + "algorithms: [none]\n", "algorithms[0]: 'none' is not accepted (expected some of: ES256,"
                        + " ES384, ES512, HS256, HS384, HS512, PS256, PS384, PS512, RS256, RS384, RS512); unsigned tokens are never accepted"),
                Arguments.of(jwks + "algorithms: [HS256]\n", "jwks: has no key usable with HS256"),
                Arguments.of("issuer: x\n", "needs one of: jwksUri, jwks, jwksFile"),
                Arguments.of(jwks + "jwksUri: http://x/\n", "has both 'jwksUri' and 'jwks'"),
                Arguments.of("jwksUri: ftp://x/keys\n", "jwksUri: 'ftp://x/keys' (expected: an http or https URL)"),
                Arguments.of("jwks: 'not json'\n", "jwks: is not a JWK set"),
                Arguments.of(jwks + "audiences: [a]\n", "audiences: unknown key (expected one of: algorithms, audience,"),
                Arguments.of(jwks + "claimsToHeaders: {sub: 'X User'}\n", "claimsToHeaders.sub: 'X User' is not a valid header name"),
                Arguments.of(jwks + "tokenCookie: s\nstripCredentials: true\n", "stripCredentials: can only strip a token header"),
                Arguments.of("jwks: '" + Tokens.jwks(Tokens.oct("short")) .replace("\"k\"", "\"x\"") + "'\n", "jwks:"),
                Arguments.of("jwksFile: /nonexistent.json\n", "jwksFile: cannot read /nonexistent.json"),
                Arguments.of("jwksUri: http://127.0.0.1:1/k\njwksTimeout: 0s\n", "jwksTimeout: must be more than 0s"),
                Arguments.of("jwksUri: http://127.0.0.1:1/k\njwksRefreshInterval: 0s\n", "jwksRefreshInterval: must be more than 0s"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badSettings")
    void badSettingsFailNamingTheKey(String yaml, String message) {
        assertThatThrownBy(() -> new JwtFactory().create(TestContext.settings(yaml), CONTEXT))
                .isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @Test
    void aShortHmacKeyIsSkippedNotUsed() {
        OctetSequenceKey weak = new OctetSequenceKey.Builder(new byte[16]).keyID("weak").build();
        assertThatThrownBy(() -> new JwtFactory().create(TestContext.settings(
                "algorithms: [HS256]\njwks: '" + Tokens.jwksWithSecrets(weak) + "'\n"), CONTEXT))
                .isInstanceOf(ConfigException.class).hasMessageContaining("has no key usable with HS256")
                .hasMessageContaining("oct kid 'weak'");
    }
}
