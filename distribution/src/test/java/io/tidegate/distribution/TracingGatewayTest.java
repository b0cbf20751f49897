package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.config.GatewayConfigLoader;
import io.tidegate.kernel.di.KernelComponent;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestOtlpCollector;
import io.tidegate.kernel.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tracing:} in tidegate.yaml, through the gateway as {@code bin/tidegate run} builds it (Dagger graph,
 * the real source-file plugin JAR), exporting to {@link TestOtlpCollector}, which stands in for the
 * OpenTelemetry Collector's OTLP/HTTP receiver; a graceful shutdown flushes what is queued.
 */
@ExtendWith(NoLeaks.class)
class TracingGatewayTest {

    @TempDir
    Path home;

    @Test
    void aConfiguredGatewayContinuesTracesAndFlushesSpansOnShutdown() throws Exception {
        try (TestOtlpCollector collector = TestOtlpCollector.start(); TestUpstream app = TestUpstream.start("app")) {
            TestInstall install = new TestInstall(home);
            install.writeRoutes("app.yaml", """
                    clusters:
                      - name: app
                        endpoints: [127.0.0.1:%d]
                    routes:
                      - name: app
                        forward: app
                    """.formatted(app.port()));
            Path file = install.writeConfig(0, 0, """
                    tracing:
                      serviceName: edge
                      otlp:
                        endpoint: %s
                        batchSize: 100
                        batchInterval: 10m
                    """.formatted(collector.endpoint()));
            Gateway gateway = KernelComponent.factory().create(new GatewayConfigLoader().load(file, home)).gateway();
            BlockingQueue<CompiledConfig> swaps = new LinkedBlockingQueue<>();
            gateway.reconciler().addSwapListener(swaps::add);
            try {
                gateway.start();
                assertThat(swaps.poll(5, TimeUnit.SECONDS)).as("first generation").isNotNull();
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + gateway.engine().port("web") + "/orders"))
                        .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(app.nextSeen().header("traceparent"))
                        .matches("00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01");
                assertThat(collector.posts()).isZero(); // a batch of 100 or ten minutes: not yet
            } finally {
                gateway.shutdown(Duration.ofSeconds(5));
            }
            TestOtlpCollector.Span span = collector.nextSpan();
            assertThat(span.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
            assertThat(span.parentSpanId()).isEqualTo("00f067aa0ba902b7");
            assertThat(span.resource()).containsEntry("service.name", "edge");
            assertThat(span.attributes()).containsEntry("tidegate.route", "app").containsEntry("url.path", "/orders");
        }
    }
}
