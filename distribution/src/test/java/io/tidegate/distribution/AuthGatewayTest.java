package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.GatewayConfigLoader;
import io.tidegate.kernel.di.KernelComponent;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestUpstream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The auth policies end to end: the gateway as {@code bin/tidegate run} builds it, PF4J loading the
 * real policy-auth JAR, routes from the real file source bound to each policy, a global binding on
 * one listener, and real servers on loopback: the upstream application, a JWKS endpoint (standing
 * for an identity provider such as Keycloak) and an auth service (standing for oauth2-proxy).
 * Decisions that complete on foreign threads (bcrypt worker, JWKS fetch, auth call) must resume the
 * request on its event loop: every async path below ends in a forwarded request or an answer.
 * Tokens are signed with the JDK alone, so the test checks interoperability, not nimbus with itself.
 */
@ExtendWith(NoLeaks.class)
class AuthGatewayTest {

    /** bcrypt cost 12 of "slow-pw": a check of a few hundred milliseconds. */
    static final String SLOW_BCRYPT = "$2y$12$uQLzO3DZi7XRi2PGtbgK2.haJlHeqrf2K1C25qe/HIjz2JhBWCHnm";

    /** bcrypt of "abc" from the OpenBSD test vectors, with htpasswd's $2y$ prefix. */
    static final String ALICE_BCRYPT = "$2y$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i";

    @TempDir
    Path home;

    private TestInstall install;
    private TestUpstream app;
    private HttpServer idp;
    private HttpServer authService;
    private Gateway gateway;
    private final AtomicInteger jwksHits = new AtomicInteger();
    private volatile String jwks;
    private final BlockingQueue<CompiledConfig> swaps = new LinkedBlockingQueue<>();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final KeyPair key1 = rsa();
    private final KeyPair key2 = rsa();

    @BeforeEach
    void start() throws Exception {
        install = new TestInstall(home);
        app = TestUpstream.start("app");
        jwks = jwksOf(List.of("k1"), List.of(key1));
        idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        idp.createContext("/jwks.json", ex -> {
            jwksHits.incrementAndGet();
            byte[] body = jwks.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        idp.setExecutor(Executors.newSingleThreadExecutor());
        idp.start();
        authService = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        authService.createContext("/check", ex -> {
            if ("Bearer good".equals(ex.getRequestHeaders().getFirst("authorization"))) {
                ex.getResponseHeaders().add("X-Auth-User", "carol");
                ex.sendResponseHeaders(200, -1);
            } else {
                ex.getResponseHeaders().add("Location", "https://login.test/?rd="
                        + ex.getRequestHeaders().getFirst("x-original-url"));
                ex.sendResponseHeaders(302, -1);
            }
            ex.close();
        });
        authService.setExecutor(Executors.newSingleThreadExecutor());
        authService.start();

        install.writeRoutes("auth.yaml", routes());
        Path file = install.conf.resolve("tidegate.yaml");
        Files.writeString(file, """
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                  - name: internal
                    address: 127.0.0.1:0
                admin:
                  address: 127.0.0.1:0
                plugins:
                  dir: plugins
                sources:
                  - id: file
                    paths: [conf/routes.d]
                accessLog:
                  enabled: false
                policies:
                  - id: api-key
                    name: internal-keys
                    listeners: [internal]
                    consumerHeader: X-Consumer
                    keys:
                      - id: ops
                        sha256: %s
                """.formatted(sha256("ops-key")));
        GatewayConfig config = new GatewayConfigLoader().load(file, home);
        gateway = KernelComponent.factory().create(config).gateway();
        gateway.reconciler().addSwapListener(swaps::add);
        gateway.start();
        assertThat(swaps.poll(5, TimeUnit.SECONDS)).as("first generation").isNotNull();
    }

    private String routes() {
        return """
                clusters:
                  - name: app
                    endpoints: [127.0.0.1:%d]
                routes:
                  - name: basic
                    match: {path: {prefix: /basic}}
                    forward: app
                    policies:
                      - id: basic-auth
                        realm: staff
                        userHeader: X-Auth-User
                        htpasswd: |
                          alice:%s
                          bob:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=
                          slow:%s
                  - name: keys
                    match: {path: {prefix: /keys}}
                    forward: app
                    policies:
                      - id: api-key
                        consumerHeader: X-Consumer
                        keys:
                          - id: team-a
                            sha256: %s
                  - name: jwt
                    match: {path: {prefix: /jwt}}
                    forward: app
                    policies:
                      - id: jwt
                        jwksUri: http://127.0.0.1:%d/jwks.json
                        issuer: https://idp.test
                        audience: api
                        realm: api
                        stripCredentials: true
                        claimsToHeaders: {sub: X-User}
                  - name: ext
                    match: {path: {prefix: /ext}}
                    forward: app
                    policies:
                      - id: ext-auth
                        url: http://127.0.0.1:%d/check
                        authResponseHeaders: [X-Auth-User]
                  - name: open
                    forward: app
                """.formatted(app.port(), ALICE_BCRYPT, SLOW_BCRYPT, sha256("key-a"), idp.getAddress().getPort(),
                authService.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        gateway.close();
        app.close();
        idp.stop(0);
        authService.stop(0);
    }

    private HttpResponse<String> on(String listener, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.engine().port(listener) + path));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        return on("web", path, headers);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void basicAuthChecksBcryptOffTheLoopAndForwardsTheUserNotThePassword() throws Exception {
        HttpResponse<String> none = get("/basic/x");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("www-authenticate")).hasValue("Basic realm=\"staff\", charset=\"UTF-8\"");
        assertThat(none.body()).isEqualTo("unauthorized\n");
        assertThat(get("/basic/x", "Authorization", basic("alice", "abd")).statusCode()).isEqualTo(401);
        assertThat(get("/basic/x", "Authorization", basic("nobody", "abc")).statusCode()).isEqualTo(401);

        for (int i = 0; i < 3; i++) { // the first is checked on the worker, the others come from the cache
            HttpResponse<String> ok = get("/basic/x", "Authorization", basic("alice", "abc"));
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).startsWith("app GET /basic/x").contains("x-auth-user: alice")
                    .doesNotContain("authorization:");
        }
        HttpResponse<String> sha = get("/basic/y", "Authorization", basic("bob", "secret"), "X-Auth-User", "root");
        assertThat(sha.body()).contains("x-auth-user: bob").doesNotContain("x-auth-user: root");
        assertThat(app.requests()).isEqualTo(4);
        String metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.admin().port()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("tidegate_auth_decisions_total{policy=\"basic-auth\",result=\"allowed\"} 4")
                .contains("tidegate_auth_decisions_total{policy=\"basic-auth\",result=\"denied\"} 3");
    }

    @Test
    void aSlowPasswordCheckHoldsUpNoOtherRequest() throws Exception {
        CompletableFuture<HttpResponse<String>> slow = client.sendAsync(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + gateway.engine().port("web") + "/basic/slow")).header("Authorization",
                basic("slow", "slow-pw")).build(), HttpResponse.BodyHandlers.ofString());
        // New connections spread over every event loop, the slow request's included. Had the cost-12
        // bcrypt check run on its loop, the requests on that loop would wait for it.
        for (int i = 0; i < 8; i++) {
            String raw = io.tidegate.kernel.testing.RawHttp.exchange(gateway.engine().port("web"),
                    "GET /open/" + i + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000);
            assertThat(raw).startsWith("HTTP/1.1 200");
        }
        assertThat(slow).as("the password check is still running").isNotDone();
        HttpResponse<String> done = slow.get(30, TimeUnit.SECONDS);
        assertThat(done.statusCode()).isEqualTo(200);
        assertThat(done.body()).contains("x-auth-user: slow");
    }

    @Test
    void apiKeysAreCheckedByDigestAndStrippedAndAGlobalBindingAppliesToItsListenerOnly() throws Exception {
        HttpResponse<String> ok = get("/keys/1", "X-API-Key", "key-a");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).contains("x-consumer: team-a").doesNotContain("x-api-key");
        assertThat(get("/keys/1", "X-API-Key", "key-b").statusCode()).isEqualTo(401);
        HttpResponse<String> missing = get("/keys/1");
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(missing.headers().firstValue("www-authenticate")).hasValue("ApiKey realm=\"tidegate\"");

        // internal-keys is bound globally to the internal listener: every route there needs the ops key.
        assertThat(get("/open").statusCode()).isEqualTo(200);
        assertThat(on("internal", "/open").statusCode()).isEqualTo(401);
        HttpResponse<String> internal = on("internal", "/open", "X-API-Key", "ops-key");
        assertThat(internal.statusCode()).isEqualTo(200);
        assertThat(internal.body()).contains("x-consumer: ops");
        // Global policies run first, then the route's: both keys are needed on /keys via internal.
        assertThat(on("internal", "/keys/1", "X-API-Key", "ops-key").statusCode()).isEqualTo(401);
    }

    @Test
    void jwtIsVerifiedAgainstTheIdpsKeysWhichRotateWithoutARestart() throws Exception {
        long now = System.currentTimeMillis() / 1000;
        HttpResponse<String> ok = get("/jwt/a", "Authorization", "Bearer " + jwt(key1, "k1", "user-1", now + 300));
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).contains("x-user: user-1").doesNotContain("authorization:");

        HttpResponse<String> expired = get("/jwt/a", "Authorization", "Bearer " + jwt(key1, "k1", "user-1", now - 600));
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(expired.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"api\", error=\"invalid_token\"");
        assertThat(expired.body()).isEqualTo("unauthorized\n");
        assertThat(get("/jwt/a").headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"api\"");

        // The IdP rotates: k2 is published. Tokens signed with it are accepted on first sight (refetch),
        // many at once: one refetch serves them all, each resumed on its own event loop.
        jwks = jwksOf(List.of("k1", "k2"), List.of(key1, key2));
        int before = jwksHits.get();
        List<CompletableFuture<HttpResponse<String>>> concurrent = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            concurrent.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + gateway.engine().port("web") + "/jwt/" + i)).header("Authorization", "Bearer "
                    + jwt(key2, "k2", "user-" + i, now + 300)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < concurrent.size(); i++) {
            HttpResponse<String> r = concurrent.get(i).get(10, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("x-user: user-" + i + "\n");
        }
        assertThat(jwksHits.get() - before).isEqualTo(1);
    }

    @Test
    void externalAuthAllowsWithItsHeadersOrRedirectsToItsLoginPage() throws Exception {
        HttpResponse<String> ok = get("/ext/orders?id=1", "Authorization", "Bearer good", "X-Auth-User", "mallory");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).contains("x-auth-user: carol").doesNotContain("mallory");

        HttpResponse<String> login = get("/ext/orders?id=1");
        assertThat(login.statusCode()).isEqualTo(302);
        assertThat(login.headers().firstValue("location")).hasValueSatisfying(l ->
                assertThat(l).startsWith("https://login.test/?rd=http://127.0.0.1:").endsWith("/ext/orders?id=1"));
        assertThat(app.requests()).isEqualTo(1);
    }

    @Test
    void aBadPolicySettingLeavesItsRouteOutAndIsReportedNamingTheKey() throws Exception {
        swaps.clear();
        install.writeRoutes("auth.yaml", routes().replace("sha256: " + sha256("key-a"), "sha256: not-a-digest"));
        assertThat(swaps.poll(5, TimeUnit.SECONDS)).as("generation with the error").isNotNull();
        String sources = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.admin().port()
                + "/sources")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(sources).contains("keys[0].sha256").contains("is not a SHA-256 digest").doesNotContain("key-a");
        assertThat(get("/basic/x", "Authorization", basic("bob", "secret")).statusCode()).isEqualTo(200);
    }

    // ---- JDK-only JOSE, so the test does not check nimbus against itself --------------------------

    private static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String unsigned(BigInteger v) {
        byte[] b = v.toByteArray();
        return b64(b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b);
    }

    private static String jwksOf(List<String> kids, List<KeyPair> keys) {
        List<String> jwk = new ArrayList<>();
        for (int i = 0; i < kids.size(); i++) {
            RSAPublicKey pub = (RSAPublicKey) keys.get(i).getPublic();
            jwk.add("{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"" + kids.get(i) + "\",\"n\":\""
                    + unsigned(pub.getModulus()) + "\",\"e\":\"" + unsigned(pub.getPublicExponent()) + "\"}");
        }
        return "{\"keys\":[" + String.join(",", jwk) + "]}";
    }

    private static String jwt(KeyPair key, String kid, String sub, long exp) {
        try {
            String header = b64(("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}").getBytes(StandardCharsets.UTF_8));
            String payload = b64(("{\"iss\":\"https://idp.test\",\"aud\":\"api\",\"sub\":\"" + sub + "\",\"exp\":" + exp
                    + "}").getBytes(StandardCharsets.UTF_8));
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key.getPrivate());
            s.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
            return header + "." + payload + "." + b64(s.sign());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
