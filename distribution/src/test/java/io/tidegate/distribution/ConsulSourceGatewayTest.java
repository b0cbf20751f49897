package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.GatewayConfigLoader;
import io.tidegate.kernel.di.KernelComponent;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.plugins.consul.testing.ConsulTestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole gateway as {@code bin/tidegate run} builds it, with PF4J loading the real source-consul JAR
 * (its shaded Consul client included), talking to {@link ConsulTestServer} (standing for a Consul agent)
 * and forwarding to real upstreams on loopback (standing for the VMs registered in Consul).
 */
@ExtendWith(NoLeaks.class)
class ConsulSourceGatewayTest {

    private static final Duration WITHIN = Duration.ofSeconds(1);

    @TempDir
    Path home;

    private ConsulTestServer consul;
    private TestUpstream blue;
    private TestUpstream green;
    private Gateway gateway;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        consul = ConsulTestServer.start();
        blue = TestUpstream.start("blue");
        green = TestUpstream.start("green");
        // One service, instances on two "VMs" (two loopback ports), a route from its tags.
        consul.register("app", "app-blue", "node-blue", "127.0.0.1", "", blue.port(),
                List.of("tidegate.path=/app", "tidegate.strip-prefix=true"), java.util.Map.of("color", "blue"), 1, 1);
        TestInstall install = new TestInstall(home);
        Path file = install.conf.resolve("tidegate.yaml");
        Files.writeString(file, """
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                admin:
                  address: 127.0.0.1:0
                plugins:
                  dir: plugins
                sources:
                  - id: consul
                    address: %s
                    wait: 10s
                    kvPrefix: tidegate/routes/
                    debounce: 20ms
                    backoff: {initial: 50ms, max: 300ms}
                accessLog:
                  enabled: false
                """.formatted(consul.address()));
        GatewayConfig config = new GatewayConfigLoader().load(file, home);
        gateway = KernelComponent.factory().create(config).gateway();
        gateway.start();
        awaitBody("/app/hello", "blue GET /hello", Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        gateway.close();
        consul.close();
        if (blue != null) {
            blue.close();
        }
        green.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.engine().port("web") + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String admin(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.admin().port() + path))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Polls until a response body starts with {@code prefix}; returns the milliseconds it took. */
    private long awaitBody(String path, String prefix, Duration timeout) throws Exception {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get(path);
            last = r.statusCode() + " " + r.body();
            if (r.statusCode() == 200 && r.body().startsWith(prefix)) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("no response starting with '" + prefix + "' within " + timeout + "; last: " + last);
    }

    @Test
    void trafficFollowsTheCatalogWithinASecondWithNoFailedRequestWhileAnInstanceIsDrained() throws Exception {
        assertThat(admin("/ready")).isNotNull();
        assertThat(admin("/config")).contains("app.service.consul").contains("consul:Service app");

        // Instance added: it takes traffic within 1 s.
        long added = System.nanoTime();
        consul.register("app", "app-green", "node-green", "127.0.0.1", "", green.port(),
                List.of("tidegate.path=/app", "tidegate.strip-prefix=true"), java.util.Map.of("color", "green"), 1, 1);
        awaitBody("/app/x", "green GET /x", WITHIN);
        long addedMs = (System.nanoTime() - added) / 1_000_000;
        assertThat(addedMs).as("added instance receives traffic (ms)").isLessThan(WITHIN.toMillis());

        // Drain blue (its check turns critical) while a client keeps sending requests: none may fail.
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> bodies = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Long> times = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
            while (running.get()) {
                try {
                    HttpResponse<String> r = get("/app/load");
                    if (r.statusCode() != 200) {
                        failures.add(r.statusCode() + " " + r.body());
                    } else {
                        ok.incrementAndGet();
                        synchronized (bodies) {
                            times.add(System.nanoTime());
                            bodies.add(r.body().substring(0, r.body().indexOf(' ')));
                        }
                    }
                } catch (Exception e) {
                    failures.add(e.toString());
                }
            }
        });
        while (ok.get() < 20) {
            Thread.onSpinWait();
        }
        long drained = System.nanoTime();
        consul.setCheck("app-blue", "critical");
        // Traffic has left blue once 30 responses in a row came from green; it left when the first of them came.
        long drainMs = -1;
        long deadline = drained + WITHIN.toNanos() * 3;
        while (System.nanoTime() < deadline) {
            List<String> snapshot;
            List<Long> at;
            synchronized (bodies) {
                snapshot = new ArrayList<>(bodies);
                at = new ArrayList<>(times);
            }
            int tail = 0;
            for (int i = snapshot.size() - 1; i >= 0 && snapshot.get(i).equals("green"); i--) {
                tail++;
            }
            if (tail >= 30) {
                drainMs = (at.get(snapshot.size() - tail) - drained) / 1_000_000;
                break;
            }
            Thread.onSpinWait();
        }
        assertThat(drainMs).as("blue drained (ms)").isBetween(0L, WITHIN.toMillis());
        // Blue really goes away now; requests keep succeeding on green.
        blue.close();
        blue = null;
        int afterStop = ok.get();
        while (ok.get() < afterStop + 50) {
            Thread.onSpinWait();
        }
        running.set(false);
        load.get(10, TimeUnit.SECONDS);
        assertThat(failures).as("failed requests during the drain").isEmpty();
        System.out.println("consul e2e: added instance live in " + addedMs + " ms, drained in " + drainMs + " ms, "
                + ok.get() + " requests, 0 failed");
    }

    /** Polls until {@code count} responses in a row start with {@code prefix}; returns when the first of them came. */
    private long awaitSteady(String path, String prefix, int count, long sinceNanos, Duration timeout) throws Exception {
        long deadline = sinceNanos + timeout.toNanos();
        int run = 0;
        long runStart = 0;
        String last = null;
        while (System.nanoTime() < deadline) {
            long at = System.nanoTime();
            HttpResponse<String> r = get(path);
            last = r.statusCode() + " " + r.body();
            assertThat(r.statusCode()).as("no failed request; got " + last).isEqualTo(200);
            if (r.body().startsWith(prefix)) {
                if (run++ == 0) {
                    runStart = at;
                }
                if (run == count) {
                    return (runStart - sinceNanos) / 1_000_000;
                }
            } else {
                run = 0;
            }
        }
        throw new AssertionError(count + " responses in a row starting with '" + prefix + "' not seen within "
                + timeout + "; last: " + last);
    }

    @Test
    void removedAndRecoveredInstancesAndKvRoutesApplyWithinASecond() throws Exception {
        consul.register("app", "app-green", "node-green", "127.0.0.1", "", green.port(),
                List.of("tidegate.path=/app", "tidegate.strip-prefix=true"), java.util.Map.of(), 1, 1);
        awaitBody("/app/x", "green GET /x", WITHIN);

        long removed = System.nanoTime();
        consul.deregister("app-blue");
        long removedMs = awaitSteady("/app/r", "green GET /r", 20, removed, WITHIN);

        consul.register("app", "app-blue", "node-blue", "127.0.0.1", "", blue.port(),
                List.of("tidegate.path=/app", "tidegate.strip-prefix=true"), java.util.Map.of(), 1, 1);
        awaitBody("/app/x", "blue GET /x", WITHIN);
        consul.setCheck("app-green", "critical");
        long critical = System.nanoTime();
        awaitSteady("/app/c", "blue GET /c", 20, critical, WITHIN);
        consul.setCheck("app-green", "passing");
        long backMs = awaitBody("/app/b", "green GET /b", WITHIN);

        // A route kept in KV, in the native format, pointing at the discovered cluster.
        consul.putKv("tidegate/routes/legacy", """
                routes:
                  - name: legacy
                    match: {path: {prefix: /legacy}}
                    forward: app.service.consul:%d
                    rewrite: {prefix: /v1}
                """.formatted(blue.port()));
        long kvMs = awaitBody("/legacy/users", "blue GET /v1/users", WITHIN);
        assertThat(admin("/config")).contains("consul:KV tidegate/routes/legacy#routes[0]");
        System.out.println("consul e2e: removed instance out in " + removedMs + " ms, recovered instance back in "
                + backMs + " ms, KV route live in " + kvMs + " ms");
    }

    @Test
    void consulReturning500KeepsTheLastGoodStateAndReportsItAtSources() throws Exception {
        consul.awaitHeld("/v1/health/service/app", consul.healthIndex("app"), Duration.ofSeconds(5));
        consul.failNext(1_000_000, 500);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String sources = admin("/sources");
        while (!sources.contains("unavailable: ") && System.nanoTime() < deadline) {
            sources = admin("/sources");
        }
        assertThat(sources).contains("unavailable: consul " + consul.address()).contains("500");
        assertThat(get("/app/still").body()).startsWith("blue GET /still");

        consul.failNext(0, 500);
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (admin("/sources").contains("unavailable: ") && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(admin("/sources")).doesNotContain("unavailable: ").contains("\"plugin\": \"consul\"");
    }
}
