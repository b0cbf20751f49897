package io.tidegate.kernel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.spi.config.ConfigException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The {@code tracing:} section: defaults, every key, and errors that name the key. */
class TracingConfigLoaderTest {

    private static GatewayConfig parse(String tracing) {
        String yaml = "listeners: [{name: web, address: ':8080'}]\n" + tracing;
        return new GatewayConfigLoader().parse(new SnakeYamlReader().parse("tidegate.yaml", yaml).get(0),
                Path.of("tidegate.yaml"), Path.of("/opt/tidegate"));
    }

    @Test
    void absentMeansNoTracing() {
        assertThat(parse("").tracing()).isEqualTo(TracingConfig.DISABLED);
        assertThat(TracingConfig.DISABLED.enabled()).isFalse();
    }

    @Test
    void anEmptySectionTracesWithoutExporting() {
        TracingConfig t = parse("tracing: {}").tracing();
        assertThat(t.enabled()).isTrue();
        assertThat(t.serviceName()).isEqualTo("tidegate");
        assertThat(t.sampler()).isEqualTo(TracingConfig.Sampler.PARENT_BASED);
        assertThat(t.samplingRatio()).isEqualTo(1.0);
        assertThat(t.otlp()).isNull();
    }

    @Test
    void readsEveryKey() {
        TracingConfig t = parse("""
                tracing:
                  serviceName: edge
                  sampler: ratio
                  samplingRatio: 0.25
                  otlp:
                    endpoint: https://otel.example.com:4318/v1/traces
                    headers: {Authorization: Bearer x, x-tenant: a}
                    timeout: 3s
                    batchSize: 100
                    batchInterval: 1s
                    queueSize: 1000
                """).tracing();
        assertThat(t.serviceName()).isEqualTo("edge");
        assertThat(t.sampler()).isEqualTo(TracingConfig.Sampler.RATIO);
        assertThat(t.samplingRatio()).isEqualTo(0.25);
        assertThat(t.otlp()).isEqualTo(new TracingConfig.Otlp(URI.create("https://otel.example.com:4318/v1/traces"),
                Map.of("authorization", "Bearer x", "x-tenant", "a"), Duration.ofSeconds(3), 100, Duration.ofSeconds(1),
                1000));
    }

    @Test
    void otlpDefaultsAreTheBatchSpanProcessors() {
        TracingConfig.Otlp otlp = parse("tracing: {otlp: {endpoint: 'http://127.0.0.1:4318/v1/traces'}}").tracing().otlp();
        assertThat(otlp.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(otlp.batchSize()).isEqualTo(512);
        assertThat(otlp.batchInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(otlp.queueSize()).isEqualTo(2048);
        assertThat(otlp.headers()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "tracing: {sample: 1} | tracing.sample: unknown key (expected one of: enabled, otlp, sampler, samplingRatio, serviceName)",
        "tracing: {samplingRatio: 1.5} | tracing.samplingRatio: '1.5' (expected: a number from 0 to 1, e.g. 0.1)",
        "tracing: {samplingRatio: half} | tracing.samplingRatio: 'half' (expected: a number from 0 to 1, e.g. 0.1)",
        "tracing: {sampler: always} | tracing.sampler: 'always' (expected one of: parent-based, ratio)",
        "tracing: {serviceName: ''} | tracing.serviceName: is empty (expected: a service name, e.g. tidegate)",
        "tracing: {otlp: {}} | tracing.otlp.endpoint: is required but missing",
        "tracing: {otlp: {endpoint: 'grpc://x:4317'}} | tracing.otlp.endpoint: 'grpc://x:4317' (expected: an http or https URL with a host",
        "tracing: {otlp: {endpoint: 'http://x/v1/traces', batchSize: 0}} | tracing.otlp.batchSize:",
        "tracing: {otlp: {endpoint: 'http://x/v1/traces', timeout: 0s}} | tracing.otlp.timeout: '0s' (expected: a duration > 0, e.g. 5s)",
        "tracing: {otlp: {endpoint: 'http://x/v1/traces', batchSize: 100, queueSize: 10}} | tracing.otlp.queueSize: 10 (expected: at least batchSize, 100)",
        "tracing: {otlp: {endpoint: 'http://x/v1/traces', headers: {'a b': c}}} | tracing.otlp.headers.a b: is not a header name",
        "tracing: {otlp: {endpoint: 'http://x/v1/traces', compression: gzip}} | tracing.otlp.compression: unknown key",
    })
    void badValuesNameTheirKey(String yaml, String message) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @Test
    void theFullExampleConfigReads() throws Exception {
        GatewayConfig full = new GatewayConfigLoader().load(Path.of("../config/examples/tidegate-full.yaml"),
                Path.of("/opt/tidegate"));
        assertThat(full.tracing().otlp().endpoint()).isEqualTo(URI.create("http://127.0.0.1:4318/v1/traces"));
        assertThat(full.tracing().sampler()).isEqualTo(TracingConfig.Sampler.PARENT_BASED);
    }
}
