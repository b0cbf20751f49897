package io.tidegate.plugins.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.spi.config.ConfigException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code sources:} entry of a Consul source, as {@code tidegate.yaml} carries it. */
class ConsulSettingsTest {

    @TempDir
    Path home;

    private ConsulSettings parse(String yaml) {
        try (TestContext context = new TestContext(home)) {
            return ConsulSettings.parse(TestContext.settings(yaml), context);
        }
    }

    @Test
    void defaults() {
        ConsulSettings s = parse("{}");
        assertThat(s.address()).isEqualTo(URI.create("http://127.0.0.1:8500"));
        assertThat(s.token()).isNull();
        assertThat(s.blockingWait()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.includeWarning()).isFalse();
        assertThat(s.routesFromTags()).isTrue();
        assertThat(s.backoffInitial()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.backoffMax()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.wants("web", java.util.List.of())).isTrue();
        assertThat(s.wants("consul", java.util.List.of())).isFalse();
    }

    @Test
    void everyKey() throws Exception {
        Files.writeString(home.resolve("ca.pem"), "x");
        ConsulSettings s = parse("""
                address: consul.internal:8501
                token: abc
                datacenter: dc2
                namespace: team-a
                partition: p1
                services: {names: [web, api], tags: [public]}
                clusterPerTag: [v1]
                includeWarning: true
                routesFromTags: false
                kvPrefix: tidegate/routes/
                wait: 30s
                backoff: {initial: 100ms, max: 5s}
                minQueryInterval: 10ms
                debounce: 0ms
                connectTimeout: 2s
                """);
        assertThat(s.address()).isEqualTo(URI.create("http://consul.internal:8501"));
        assertThat(s.datacenter()).isEqualTo("dc2");
        assertThat(s.wants("web", java.util.List.of("public"))).isTrue();
        assertThat(s.wants("web", java.util.List.of("internal"))).isFalse();
        assertThat(s.wants("db", java.util.List.of("public"))).isFalse();
        assertThat(s.kvPrefix()).isEqualTo("tidegate/routes/");
        assertThat(s.blockingWait()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void theTokenCanComeFromAFile() throws Exception {
        Files.writeString(home.resolve("token"), "  from-file\n");
        assertThat(parse("tokenFile: token").token()).isEqualTo("from-file");
    }

    @Test
    void theTokenIsNeverInTheStringForm() {
        assertThat(parse("token: very-secret").toString()).doesNotContain("very-secret").contains("<redacted>");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "adress: x                          | adress: unknown key",
        "address: ftp://x                   | address: 'ftp://x' (expected: http://host:port or https://host:port)",
        "address: http://x:8500/v1          | has a path",
        "wait: 11m                          | wait: 660000ms (expected: 1s to 10m",
        "wait: 500ms                        | wait: 500ms (expected: 1s to 10m",
        "wait: 1500ms                       | whole seconds",
        "backoff: {initial: 0s}             | backoff.initial: 0ms (expected: > 0)",
        "backoff: {initial: 5s, max: 1s}    | backoff.max: 1000ms (expected: >= backoff.initial",
        "backoff: {jitter: 1}               | backoff.jitter: unknown key",
        "services: {name: [web]}            | services.name: unknown key",
        "token: ''                          | token: is empty",
        "kvPrefix: /tidegate                | starts with '/'",
        "clusterPerTag: [v1.0]              | is not a DNS label",
        "tls: {verify: false}               | tls: is set but address",
        "'address: https://x\ntls: {caFile: missing.pem}' | tls.caFile: 'missing.pem'",
        "'address: https://x\ntls: {certFile: ca.pem}'    | certFile without keyFile",
        "includeWarning: maybe              | includeWarning:",
        "'token: a\ntokenFile: ca.pem'      | tokenFile: and 'token' are both set",
        "tokenFile: nope                    | tokenFile: 'nope'",
    })
    void badValuesFailNamingTheKey(String yaml, String message) throws Exception {
        Files.writeString(home.resolve("ca.pem"), "x");
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("tidegate.yaml:").hasMessageContaining(message);
    }
}
