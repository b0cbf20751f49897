package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.GatewayConfigLoader;
import io.tidegate.kernel.di.KernelComponent;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * rate-limit and ip-access end to end: the whole gateway as {@code bin/tidegate run} builds it, PF4J
 * loading the real policy-ratelimit JAR (with its shaded Lettuce and Netty beside the kernel's
 * Netty), global bindings per listener and a route binding from the file source.
 */
@ExtendWith(NoLeaks.class)
class RateLimitGatewayTest {

    @TempDir
    Path home;

    private Gateway gateway;
    private final BlockingQueue<CompiledConfig> swaps = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        TestInstall install = new TestInstall(home);
        install.writeRoutes("app.yaml", """
                routes:
                  - name: hello
                    match: {path: {prefix: /hello}}
                    respond: {status: 200, body: "hello\\n"}
                  - name: other
                    match: {path: {prefix: /other}}
                    respond: {status: 200, body: "other\\n"}
                  - name: scarce
                    match: {path: {prefix: /scarce}}
                    respond: {status: 200, body: "scarce\\n"}
                    policies:
                      - id: rate-limit
                        rate: 1/h
                        burst: 1
                  - name: per-user
                    match: {path: {prefix: /user}}
                    respond: {status: 200, body: "user\n"}
                    policies:
                      - id: rate-limit
                        rate: 1/h
                        burst: 1
                        key: [claim:sub]
                """);
        Path file = install.conf.resolve("tidegate.yaml");
        Files.writeString(file, """
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                  - name: guarded
                    address: 127.0.0.1:0
                  - name: closed
                    address: 127.0.0.1:0
                  - name: limited
                    address: 127.0.0.1:0
                  - name: plain
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
                  - id: rate-limit
                    listeners: [web]
                    rate: 3/m
                    burst: 3
                    key: [client-ip, route]
                    headers: always
                  - id: ip-access
                    name: behind-lb
                    listeners: [guarded]
                    allow: [10.0.0.0/8]
                    trustedProxies: [127.0.0.1]
                  - id: ip-access
                    name: office-only
                    listeners: [closed]
                    allow: [10.0.0.0/8]
                  - id: rate-limit
                    name: one-connection
                    listeners: [limited]
                    connections: 1
                """);
        GatewayConfig config = new GatewayConfigLoader().load(file, home);
        gateway = KernelComponent.factory().create(config).gateway();
        gateway.reconciler().addSwapListener(swaps::add);
        gateway.start();
        assertThat(swaps.poll(10, TimeUnit.SECONDS)).as("first generation").isNotNull();
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    private String get(String listener, String path, String... headers) throws Exception {
        StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n");
        for (String h : headers) {
            req.append(h).append("\r\n");
        }
        return RawHttp.exchange(gateway.engine().port(listener), req.append("\r\n").toString(), 3000);
    }

    @Test
    void aGlobalLimitAnswers429WithRetryAfterAndRateLimitHeaders() throws Exception {
        for (int i = 0; i < 3; i++) {
            String ok = get("web", "/hello");
            assertThat(RawHttp.status(ok)).as(ok).isEqualTo(200);
            assertThat(ok.toLowerCase()).contains("ratelimit-limit: 3").contains("ratelimit-remaining: " + (2 - i));
        }
        String denied = get("web", "/hello");
        assertThat(RawHttp.status(denied)).as(denied).isEqualTo(429);
        assertThat(denied.toLowerCase()).contains("retry-after: 20").contains("ratelimit-limit: 3")
                .contains("ratelimit-remaining: 0").contains("ratelimit-reset: 60").contains("rate limit exceeded");
        // The key has the route in it: another route has its own bucket.
        assertThat(RawHttp.status(get("web", "/other"))).isEqualTo(200);
        // The route's own binding applies after the global one.
        assertThat(RawHttp.status(get("web", "/scarce"))).isEqualTo(200);
        assertThat(RawHttp.status(get("web", "/scarce"))).isEqualTo(429);
        // Other listeners do not carry the web listener's limit.
        assertThat(RawHttp.status(get("limited", "/hello"))).isEqualTo(200);
    }

    private static String bearer(String sub) {
        java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
        return "Authorization: Bearer " + b64.encodeToString("{\"alg\":\"none\"}".getBytes()) + "."
                + b64.encodeToString(("{\"sub\":\"" + sub + "\"}").getBytes()) + ".sig";
    }

    @Test
    void aRouteLimitKeyedOnAJwtClaimKeepsOneBucketPerSubject() throws Exception {
        assertThat(RawHttp.status(get("plain", "/user", bearer("alice")))).isEqualTo(200);
        assertThat(RawHttp.status(get("plain", "/user", bearer("alice")))).isEqualTo(429);
        assertThat(RawHttp.status(get("plain", "/user", bearer("bob")))).isEqualTo(200);
        // Without a token the key is missing: not limited by this binding (missingKey: skip).
        assertThat(RawHttp.status(get("plain", "/user"))).isEqualTo(200);
    }

    @Test
    void ipAccessBelievesXForwardedForOnlyFromTrustedProxies() throws Exception {
        assertThat(RawHttp.status(get("guarded", "/hello", "X-Forwarded-For: 10.1.2.3"))).isEqualTo(200);
        String refused = get("guarded", "/hello", "X-Forwarded-For: 203.0.113.7");
        assertThat(RawHttp.status(refused)).as(refused).isEqualTo(403);
        // A client prepending an allowed address does not get in: the rightmost untrusted hop counts.
        assertThat(RawHttp.status(get("guarded", "/hello", "X-Forwarded-For: 10.1.2.3, 203.0.113.7")))
                .isEqualTo(403);
        // Without the header the client is the proxy itself (127.0.0.1), which is not allowed.
        assertThat(RawHttp.status(get("guarded", "/hello"))).isEqualTo(403);
    }

    @Test
    void ipAccessClosesConnectionsFromUntrustedPeersBeforeReading() throws Exception {
        String answer = get("closed", "/hello", "X-Forwarded-For: 10.1.2.3");
        assertThat(answer).as("closed without a response").isEmpty();
    }

    @Test
    void connectionsPerClientAreLimitedAndReleasedOnClose() throws Exception {
        int port = gateway.engine().port("limited");
        try (Socket first = new Socket("127.0.0.1", port)) {
            first.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n".getBytes());
            InputStream in = first.getInputStream();
            first.setSoTimeout(3000);
            assertThat(new String(in.readNBytes(12))).isEqualTo("HTTP/1.1 200");
            // The first connection is still open (keep-alive): a second one is refused.
            assertThat(get("limited", "/hello")).as("second connection closed at once").isEmpty();
        }
        // Once the first closes, the count is released (the close is seen asynchronously).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String again;
        do {
            again = get("limited", "/hello");
        } while (again.isEmpty() && System.nanoTime() < deadline);
        assertThat(RawHttp.status(again)).isEqualTo(200);
    }
}
