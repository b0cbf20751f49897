package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.GatewayConfigLoader;
import io.tidegate.kernel.di.KernelComponent;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.RedisServer;
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
 * A global (Redis) limit through the real engine in-process, the plugin JAR loaded by PF4J with its
 * shaded Lettuce and Netty beside the kernel's: a real {@code redis-server} (Debian's package) that
 * is killed and restarted; the fail-closed limit answers 503 meanwhile and counts again afterwards.
 */
@ExtendWith(NoLeaks.class)
class RedisServerGatewayTest {

    @TempDir
    Path home;

    private RedisServer redis;
    private Gateway gateway;
    private final BlockingQueue<CompiledConfig> swaps = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start(home);
        TestInstall install = new TestInstall(home);
        install.writeRoutes("app.yaml", """
                routes:
                  - name: hello
                    respond: {status: 200, body: "hello\\n"}
                """);
        Path file = install.writeConfig(0, 0, """
                policies:
                  - id: rate-limit
                    rate: 5/m
                    burst: 5
                    headers: always
                    redis: {address: 127.0.0.1:%d, timeout: 250ms, onError: deny}
                """.formatted(redis.port()));
        GatewayConfig config = new GatewayConfigLoader().load(file, home);
        gateway = KernelComponent.factory().create(config).gateway();
        gateway.reconciler().addSwapListener(swaps::add);
        gateway.start();
        assertThat(swaps.poll(10, TimeUnit.SECONDS)).as("first generation").isNotNull();
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        redis.close();
    }

    private String get() throws Exception {
        return RawHttp.exchange(gateway.engine().port("web"),
                "GET / HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n", 3000);
    }

    /** The first answers may come before Lettuce connected (failing closed): wait for a counted one. */
    private String awaitCounted() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String r;
        do {
            r = get();
        } while (RawHttp.status(r) == 503 && System.nanoTime() < deadline);
        return r;
    }

    @Test
    void countsInRedisFailsClosedWhileItIsDownAndCountsAgainAfterARestart() throws Exception {
        String first = awaitCounted();
        assertThat(RawHttp.status(first)).as(first).isEqualTo(200);
        assertThat(first.toLowerCase()).contains("ratelimit-limit: 5").contains("ratelimit-remaining: 4");
        for (int remaining = 3; remaining >= 0; remaining--) {
            assertThat(get().toLowerCase()).contains("ratelimit-remaining: " + remaining);
        }
        String denied = get();
        assertThat(RawHttp.status(denied)).as(denied).isEqualTo(429);
        assertThat(denied.toLowerCase()).contains("retry-after: 12");

        redis.kill();
        String unavailable = get();
        assertThat(RawHttp.status(unavailable)).as(unavailable).isEqualTo(503);
        assertThat(unavailable).contains("rate limiter unavailable");

        // A restarted Redis is empty: the bucket starts full again, and the script is loaded again.
        redis.restart();
        String back = awaitCounted();
        assertThat(RawHttp.status(back)).as(back).isEqualTo(200);
        assertThat(back.toLowerCase()).contains("ratelimit-remaining: 4");
    }
}
