package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.RedisServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A global rate limit shared by two Tidegate processes (the unpacked install tree, {@code bin/tidegate
 * run}, each with its own listeners) through one real {@code redis-server} (Debian's package), then
 * Redis killed mid-test: the fail-open listener keeps serving, the fail-closed one answers 503.
 */
class RateLimitClusterIT {

    private static final Path TREE = Path.of(System.getProperty("tidegate.installTree", "target/tidegate"));

    @TempDir
    Path tmp;

    private final List<Process> gateways = new ArrayList<>();
    private RedisServer redis;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void stop() throws Exception {
        for (Process p : gateways) {
            p.destroy();
        }
        for (Process p : gateways) {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        if (redis != null) {
            redis.close();
        }
    }

    /** One gateway: listeners open and closed, each with a global limit of 10/min (burst 10) in Redis. */
    private record Replica(String name, int open, int closed, int admin, Path log) {
    }

    private Replica start(String name) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Path routes = Files.createDirectories(dir.resolve("routes.d"));
        Files.writeString(routes.resolve("app.yaml"), """
                routes:
                  - name: hello
                    respond: {status: 200, body: "hello from %s\\n"}
                """.formatted(name));
        // Logs are kept under target/ for a failed run's post-mortem.
        Path logs = Files.createDirectories(Path.of("target/ratelimit-it-logs"));
        Replica r = new Replica(name, TestInstall.freePort(), TestInstall.freePort(), TestInstall.freePort(),
                logs.resolve(name + ".log"));
        Path config = dir.resolve("tidegate.yaml");
        Files.writeString(config, """
                listeners:
                  - name: open
                    address: 127.0.0.1:%d
                  - name: closed
                    address: 127.0.0.1:%d
                admin:
                  address: 127.0.0.1:%d
                plugins:
                  dir: plugins
                sources:
                  - id: file
                    paths: [%s]
                accessLog:
                  enabled: false
                policies:
                  - id: rate-limit
                    name: global-fail-open
                    listeners: [open]
                    rate: 10/m
                    burst: 10
                    redis: {address: 127.0.0.1:%d, timeout: 250ms, onError: allow, prefix: "it:open:"}
                  - id: rate-limit
                    name: global-fail-closed
                    listeners: [closed]
                    rate: 10/m
                    burst: 10
                    redis: {address: 127.0.0.1:%d, timeout: 250ms, onError: deny, prefix: "it:closed:"}
                """.formatted(r.open(), r.closed(), r.admin(), routes, redis.port(), redis.port()));
        Process p = new ProcessBuilder(TREE.resolve("bin/tidegate").toString(), "run", "-c", config.toString())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(r.log().toFile()).start();
        gateways.add(p);
        return r;
    }

    @Test
    void twoProcessesShareTheLimitAndRedisDownFailsOpenAndClosed() throws Exception {
        redis = RedisServer.start(tmp);
        Replica a = start("a");
        Replica b = start("b");
        for (Replica r : List.of(a, b)) {
            awaitLog(r, "first complete configuration is live", 1);
            awaitLog(r, "rate-limit: connected to Redis", 2); // both policies' clients
        }

        for (String listener : List.of("open", "closed")) {
            List<Integer> got = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                got.add(status(i % 2 == 0 ? a : b, listener));
            }
            assertThat(got).as(listener + ": 10 allowed across both replicas").containsOnly(200);
            String denied = get(a, listener);
            assertThat(RawHttp.status(denied)).as(listener + ": the 11th is denied at A: " + denied).isEqualTo(429);
            assertThat(denied.toLowerCase()).contains("retry-after: ").contains("ratelimit-remaining: 0");
            assertThat(status(b, listener)).as(listener + ": and at B").isEqualTo(429);
        }

        redis.kill();
        for (Replica r : List.of(a, b)) {
            for (int i = 0; i < 3; i++) {
                assertThat(status(r, "open")).as(r.name() + " fail-open while Redis is down").isEqualTo(200);
                String closed = get(r, "closed");
                assertThat(RawHttp.status(closed)).as(r.name() + " fail-closed while Redis is down: " + closed)
                        .isEqualTo(503);
                assertThat(closed.toLowerCase()).contains("retry-after: 1").contains("rate limiter unavailable");
            }
            assertThat(admin(r, "/metrics").body()).contains("tidegate_ratelimit_decisions_total{result=\"error\"}");
        }
    }

    private static String get(Replica r, String listener) throws IOException {
        int port = listener.equals("open") ? r.open() : r.closed();
        return RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n", 5000);
    }

    private static int status(Replica r, String listener) throws IOException {
        return RawHttp.status(get(r, listener));
    }

    /** Waits until the process's log shows {@code text} {@code times} times (it has no admin signal for Redis). */
    private void awaitLog(Replica r, String text, int times) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String log = Files.exists(r.log()) ? Files.readString(r.log()) : "";
            int n = 0;
            for (int at = log.indexOf(text); at >= 0; at = log.indexOf(text, at + 1)) {
                n++;
            }
            if (n >= times) {
                return;
            }
            for (Process p : gateways) {
                if (!p.isAlive()) {
                    throw new AssertionError("a gateway exited: " + log);
                }
            }
            Thread.sleep(100); // another process's log: there is no event to await across processes
        }
        throw new AssertionError(r.name() + ": no '" + text + "' x" + times + " within 60s: " + Files.readString(r.log()));
    }

    private HttpResponse<String> admin(Replica r, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.admin() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
