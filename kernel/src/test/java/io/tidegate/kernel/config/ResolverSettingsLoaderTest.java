package io.tidegate.kernel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.spi.config.ConfigException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code engine.resolver} read through the real loader: every key, its default, and every error. */
class ResolverSettingsLoaderTest {

    private static ResolverSettings parse(String resolverYaml) {
        String yaml = "listeners: [{name: web, address: ':80'}]\nengine:\n  resolver: " + resolverYaml + "\n";
        return new GatewayConfigLoader().parse(new SnakeYamlReader().parse("tidegate.yaml", yaml).get(0),
                Path.of("tidegate.yaml"), Path.of("/opt/tidegate")).engine().resolver();
    }

    @Test
    void withoutTheSectionTheSystemResolverHonoursRecordTtls() {
        ResolverSettings none = new GatewayConfigLoader().parse(new SnakeYamlReader().parse("tidegate.yaml",
                "listeners: [{name: web, address: ':80'}]\n").get(0), Path.of("tidegate.yaml"), Path.of("/"))
                .engine().resolver();
        assertThat(none).isEqualTo(ResolverSettings.SYSTEM);
        assertThat(parse("{}")).isEqualTo(ResolverSettings.SYSTEM);
        assertThat(none.servers()).isEmpty();
        assertThat(none.minTtl()).isZero();
        assertThat(none.maxTtl()).isEqualTo(ResolverSettings.UNBOUNDED_TTL);
        assertThat(none.negativeTtl()).isZero();
        assertThat(none.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(none.searchDomains()).isNull();
        assertThat(none.ndots()).isEqualTo(-1);
    }

    @Test
    void readsEveryKey() {
        ResolverSettings s = parse("{servers: [10.0.0.2, '10.0.0.3:5353', '[::1]:5353', 'fd00::53'], minTtl: 5s, "
                + "maxTtl: 1m, negativeTtl: 3s, timeout: 1500ms, searchDomains: [svc.cluster.local, Corp.Example.], "
                + "ndots: 2}");
        assertThat(s.servers()).containsExactly(new InetSocketAddress("10.0.0.2", 53),
                new InetSocketAddress("10.0.0.3", 5353), new InetSocketAddress("::1", 5353),
                new InetSocketAddress("fd00::53", 53));
        assertThat(s.minTtl()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.maxTtl()).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.negativeTtl()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(s.searchDomains()).containsExactly("svc.cluster.local", "corp.example.");
        assertThat(s.ndots()).isEqualTo(2);
    }

    @Test
    void anEmptySearchListTurnsSearchingOff() {
        assertThat(parse("{searchDomains: []}").searchDomains()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{valid: 30s}                         | engine.resolver.valid: unknown key (expected: maxTtl, which caps",
        "{ttl: 30s}                           | engine.resolver.ttl: unknown key (expected one of: maxTtl, minTtl,",
        "{servers: []}                        | engine.resolver.servers: is empty (expected: at least one ip[:port]",
        "{servers: [dns.example.com]}         | engine.resolver.servers[0]: 'dns.example.com' is not an IP address",
        "{servers: [256.1.1.1]}               | engine.resolver.servers[0]: '256.1.1.1' is not an IP address",
        "{servers: [10.0.0.2, '10.0.0.3:0']}  | engine.resolver.servers[1]: '10.0.0.3:0': bad port '0' (expected: 1-65535)",
        "{servers: ['10.0.0.3:dns']}          | engine.resolver.servers[0]: '10.0.0.3:dns': bad port 'dns'",
        "{servers: ['[::1']}                  | engine.resolver.servers[0]: '[::1' (expected: ip[:port], IPv6 as [addr]:port)",
        "{servers: ['[10.0.0.1]:53']}         | engine.resolver.servers[0]: '[10.0.0.1]:53' (expected: an IPv6 address inside [])",
        "{servers: ['fd00::zz']}              | engine.resolver.servers[0]: 'fd00::zz' is not an IP address",
        "{minTtl: 1500ms}                     | engine.resolver.minTtl: 1500ms (expected: whole seconds",
        "{maxTtl: 0.5s}                       | engine.resolver.maxTtl: 500ms (expected: whole seconds",
        "{negativeTtl: 100ms}                 | engine.resolver.negativeTtl: 100ms (expected: whole seconds",
        "{maxTtl: 30}                         | engine.resolver.maxTtl: '30' is not a duration",
        "{maxTtl: 100000d}                    | engine.resolver.maxTtl: 8640000000s (expected: at most 2147483647s)",
        "{minTtl: 1m, maxTtl: 30s}            | engine.resolver.minTtl: 60s is longer than maxTtl 30s",
        "{timeout: 0s}                        | engine.resolver.timeout: 0ns (expected: at least 1ms)",
        "{timeout: 500us}                     | engine.resolver.timeout: 500000ns (expected: at least 1ms)",
        "{maxTtl: -1s}                        | engine.resolver.maxTtl: '-1s' is not a duration",
        "{timeout: 5}                         | engine.resolver.timeout: '5' is not a duration",
        "{searchDomains: ['bad domain']}      | engine.resolver.searchDomains[0]: 'bad domain' (expected: a domain name",
        "{searchDomains: ['-a.example']}      | engine.resolver.searchDomains[0]: '-a.example' (expected: a domain name",
        "{ndots: 16}                          | engine.resolver.ndots:",
        "{ndots: -1}                          | engine.resolver.ndots:",
    })
    void rejectsBadValuesNamingTheKey(String yaml, String message) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("tidegate.yaml:").hasMessageContaining(message.strip());
    }
}
