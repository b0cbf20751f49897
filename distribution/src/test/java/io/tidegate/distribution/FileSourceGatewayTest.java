package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.GatewayConfigLoader;
import io.tidegate.kernel.di.KernelComponent;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole gateway as {@code bin/tidegate run} builds it (Dagger graph, PF4J loading the real
 * source-file JAR, engine, admin API), with real upstreams on loopback.
 */
@ExtendWith(NoLeaks.class)
class FileSourceGatewayTest {

    @TempDir
    Path home;

    private TestInstall install;
    private TestUpstream blue;
    private TestUpstream green;
    private Gateway gateway;
    private final BlockingQueue<CompiledConfig> swaps = new LinkedBlockingQueue<>();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        install = new TestInstall(home);
        blue = TestUpstream.start("blue");
        green = TestUpstream.start("green");
        install.writeRoutes("app.yaml", routesTo("blue"));
        Path file = install.writeConfig(0, 0, "");
        GatewayConfig config = new GatewayConfigLoader().load(file, home);
        gateway = KernelComponent.factory().create(config).gateway();
        gateway.reconciler().addSwapListener(swaps::add);
        gateway.start();
        assertThat(swaps.poll(5, TimeUnit.SECONDS)).as("first generation").isNotNull();
    }

    @AfterEach
    void stop() {
        gateway.close();
        blue.close();
        green.close();
    }

    private String routesTo(String cluster) {
        return """
                clusters:
                  - name: blue
                    endpoints: [127.0.0.1:%d]
                  - name: green
                    endpoints: [127.0.0.1:%d]
                routes:
                  - name: app
                    hosts: [app.example.com]
                    forward: %s
                  - name: hello
                    respond:
                      status: 200
                      body: "hello\\n"
                """.formatted(blue.port(), green.port(), cluster);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.engine().port("web") + path))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> admin(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.admin().port() + path))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesFileRoutesAndTheAdminApi() throws Exception {
        assertThat(get("/").body()).isEqualTo("hello\n");
        assertThat(admin("/ready").statusCode()).isEqualTo(200);
        assertThat(admin("/live").statusCode()).isEqualTo(200);
        assertThat(admin("/config").body()).contains("\"name\": \"app\"").contains("\"provenance\": \"file:")
                .contains("app.yaml");
        assertThat(admin("/sources").body()).contains("\"plugin\": \"file\"").contains("\"routes\": 2");
        assertThat(admin("/metrics").body()).contains("tidegate_requests_total{route=\"hello\"")
                .contains("tidegate_config_swaps_total");
    }

    @Test
    void aFileChangeAppliesWithinASecondWhileASlowRequestInFlightCompletes() throws Exception {
        // java.net.http cannot set Host; requests for the route's host go through a raw socket.
        CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return io.tidegate.kernel.testing.RawHttp.exchange(gateway.engine().port("web"),
                        "GET /slow?ms=1500 HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n", 5000);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        blue.nextSeenMatching("/slow?ms=1500");
        swaps.clear();
        long written = System.nanoTime();
        install.writeRoutes("app.yaml", routesTo("green"));
        CompiledConfig next = swaps.poll(2, TimeUnit.SECONDS);
        long appliedMs = (System.nanoTime() - written) / 1_000_000;
        assertThat(next).as("a new generation after the file changed").isNotNull();
        assertThat(appliedMs).as("change live within 1 s").isLessThan(1000);
        String after = io.tidegate.kernel.testing.RawHttp.exchange(gateway.engine().port("web"),
                "GET /now HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n", 3000);
        assertThat(after).contains("green GET /now");
        String slow = inFlight.get(5, TimeUnit.SECONDS);
        assertThat(slow).startsWith("HTTP/1.1 200").contains("blue GET /slow?ms=1500");
    }

    @Test
    void anInvalidFileIsRejectedWithFileAndLineWhileTheLastGoodKeepsServing() throws Exception {
        swaps.clear();
        install.writeRoutes("app.yaml", "routes:\n  - name: app\n    forward: [unclosed\n");
        // The source republishes its last good objects plus an error naming file and line.
        assertThat(swaps.poll(2, TimeUnit.SECONDS)).as("fragment with the error").isNotNull();
        String sources = admin("/sources").body();
        assertThat(sources).contains("app.yaml:").contains("\"severity\": \"error\"");
        assertThat(get("/").body()).isEqualTo("hello\n");
        String stillBlue = io.tidegate.kernel.testing.RawHttp.exchange(gateway.engine().port("web"),
                "GET /x HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n", 3000);
        assertThat(stillBlue).contains("blue GET /x");
    }
}
