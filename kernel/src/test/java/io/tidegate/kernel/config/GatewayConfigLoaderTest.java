package io.tidegate.kernel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.model.ListenerRole;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class GatewayConfigLoaderTest {

    private static final Path HOME = Path.of("/opt/tidegate");

    private GatewayConfig parse(String yaml) {
        return new GatewayConfigLoader().parse(new SnakeYamlReader().parse("tidegate.yaml", yaml).get(0),
                Path.of("tidegate.yaml"), HOME);
    }

    @Test
    void readsTheDesignExampleWithDefaults() {
        GatewayConfig c = parse("""
                listeners:
                  - name: web
                    address: 0.0.0.0:8080
                    protocol: http
                admin:
                  address: 127.0.0.1:9901
                plugins:
                  dir: plugins
                sources:
                  - id: file
                    paths: [conf/routes.d]
                policies:
                  - id: rate-limit
                    listeners: [web]
                    rps: 10
                """);
        assertThat(c.listeners()).hasSize(1);
        assertThat(c.listeners().get(0).listener().role()).isEqualTo(ListenerRole.INGRESS);
        assertThat(c.listeners().get(0).maxRequestLineBytes()).isEqualTo(8192);
        assertThat(c.pluginsDir()).isEqualTo(HOME.resolve("plugins"));
        assertThat(c.sources().get(0).name()).isEqualTo("file");
        assertThat(c.sources().get(0).settings().keys()).containsExactly("paths");
        assertThat(c.policies().get(0).listeners()).containsExactly("web");
        assertThat(c.policies().get(0).settings().keys()).containsExactly("rps");
        assertThat(c.defaults().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.defaults().requestTimeout()).isEqualTo(Duration.ZERO);
        assertThat(c.accessLog().enabled()).isTrue();
    }

    @Test
    void unknownKeyNamesFileLineAndKey() {
        assertThatThrownBy(() -> parse("""
                listeners:
                  - name: web
                    adress: 0.0.0.0:8080
                """)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("tidegate.yaml:3:").hasMessageContaining("listeners[0].adress: unknown key (expected one of: address,");
    }

    @Test
    void badValuesSayWhatWasExpected() {
        assertThatThrownBy(() -> parse("listeners: [{name: web, address: 'nope'}]"))
                .hasMessageContaining("listeners[0].address").hasMessageContaining("expected: host:port");
        assertThatThrownBy(() -> parse("listeners: [{name: web, address: ':80', protocol: quic}]"))
                .hasMessageContaining("listeners[0].protocol: 'quic' (expected one of: http, https, tcp, tls-passthrough)");
        assertThatThrownBy(() -> parse("listeners: [{name: a, address: ':80'}, {name: a, address: ':81'}]"))
                .hasMessageContaining("duplicate listener name 'a'");
        assertThatThrownBy(() -> parse("listeners: [{name: a, address: ':80'}]\naccessLog: {format: xml}"))
                .hasMessageContaining("accessLog.format: 'xml' (expected one of: default, json, envoy)");
        assertThatThrownBy(() -> parse("listeners: []"))
                .hasMessageContaining("listeners: is required");
        assertThatThrownBy(() -> parse("listeners: [{name: a, address: ':80'}]\nsources: [{paths: [x]}]"))
                .hasMessageContaining("sources[0].id: is required but missing");
    }

    @Test
    void forwardProxyIsOnlyForEgressListeners() {
        assertThatThrownBy(() -> parse("listeners: [{name: web, address: ':80', forwardProxy: true}]"))
                .hasMessageContaining("listeners[0].forwardProxy")
                .hasMessageContaining("only an egress listener can be a forward proxy (listener 'web' has role ingress; "
                        + "expected: role: egress)");
        GatewayConfig config = parse("listeners: [{name: out, address: ':3128', role: egress, forwardProxy: true},"
                + " {name: web, address: ':80'}]");
        assertThat(config.listeners().get(0).forwardProxy()).isTrue();
        assertThat(config.listeners().get(1).forwardProxy()).as("off by default: no open proxy").isFalse();
    }

    @Test
    void serverAndUpstreamTimeHeadersAreOptInAndChecked() {
        GatewayConfig plain = parse("listeners: [{name: web, address: ':80'}]");
        assertThat(plain.engine().serverHeader()).isNull();
        assertThat(plain.engine().upstreamTimeHeader()).isNull();
        GatewayConfig stamped = parse("listeners: [{name: web, address: ':80'}]\n"
                + "engine: {serverHeader: tidegate, upstreamTimeHeader: X-Envoy-Upstream-Service-Time}");
        assertThat(stamped.engine().serverHeader()).isEqualTo("tidegate");
        assertThat(stamped.engine().upstreamTimeHeader()).isEqualTo("x-envoy-upstream-service-time");
        assertThatThrownBy(() -> parse("listeners: [{name: web, address: ':80'}]\nengine: {upstreamTimeHeader: 'a b'}"))
                .hasMessageContaining("engine.upstreamTimeHeader: \"a b\" is not a header name");
        assertThatThrownBy(() -> parse("listeners: [{name: web, address: ':80'}]\nengine: {serverHeader: 'caf\u00e9'}"))
                .hasMessageContaining("engine.serverHeader: 'caf\u00e9' (expected: 1 to 256 visible ASCII characters");
    }

    @Test
    void http2IsOnByDefaultAndTunablePerListener() {
        GatewayConfig config = parse("listeners: [{name: web, address: ':80'},"
                + " {name: off, address: ':81', http2: {enabled: false}},"
                + " {name: tuned, address: ':82', http2: {maxConcurrentStreams: 16, initialWindowSize: 1m}}]");
        assertThat(config.listeners().get(0).http2()).isEqualTo(GatewayConfig.Http2.DEFAULTS);
        assertThat(config.listeners().get(0).http2().maxConcurrentStreams()).isEqualTo(100);
        assertThat(config.listeners().get(1).http2().enabled()).isFalse();
        assertThat(config.listeners().get(2).http2()).isEqualTo(new GatewayConfig.Http2(true, 16, 1 << 20));
        assertThatThrownBy(() -> parse("listeners: [{name: a, address: ':80', http2: {maxConcurrentStreams: 0}}]"))
                .hasMessageContaining("listeners[0].http2.maxConcurrentStreams: 0 (expected: 1 to 4294967295");
        assertThatThrownBy(() -> parse("listeners: [{name: a, address: ':80', http2: {initialWindowSize: 4g}}]"))
                .hasMessageContaining("listeners[0].http2.initialWindowSize");
        assertThatThrownBy(() -> parse("listeners: [{name: a, address: ':80', http2: {streams: 5}}]"))
                .hasMessageContaining("listeners[0].http2.streams: unknown key (expected one of: enabled, "
                        + "initialWindowSize, maxConcurrentStreams)");
    }

    @Test
    void maxConnectionsIsUnlimitedByDefaultAndCheckedPerListener() {
        GatewayConfig config = parse("listeners: [{name: web, address: ':80'}, {name: capped, address: ':81',"
                + " maxConnections: 10000}]");
        assertThat(config.listeners().get(0).maxConnections()).as("unlimited").isZero();
        assertThat(config.listeners().get(1).maxConnections()).isEqualTo(10_000);
        assertThatThrownBy(() -> parse("listeners: [{name: a, address: ':80', maxConnections: 0}]"))
                .hasMessageEndingWith("listeners[0].maxConnections: 0 (expected: 1 to 2147483647; leave it out for "
                        + "no limit)");
        assertThatThrownBy(() -> parse("listeners: [{name: a, address: ':80', maxConnections: lots}]"))
                .hasMessageEndingWith("listeners[0].maxConnections: 'lots' is not an integer");
    }

    @Test
    void requestHeadersTimeoutDefaultsToNginxsClientHeaderTimeout() {
        GatewayConfig config = parse("listeners: [{name: web, address: ':80'}, {name: edge, address: ':81',"
                + " requestHeadersTimeout: 10s}, {name: off, address: ':82', requestHeadersTimeout: 0s}]");
        assertThat(config.listeners().get(0).requestHeadersTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.listeners().get(1).requestHeadersTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.listeners().get(2).requestHeadersTimeout()).isZero();
        assertThatThrownBy(() -> parse("listeners: [{name: a, address: ':80', requestHeadersTimeout: 10}]"))
                .hasMessageContaining("listeners[0].requestHeadersTimeout: '10' is not a duration");
    }

    @Test
    void tcpAndPassthroughListenersTakeTheirL4KeysWithDefaults() {
        GatewayConfig c = parse("""
                listeners:
                  - {name: db, address: ':5432', protocol: tcp}
                  - {name: edge, address: ':443', protocol: tls-passthrough, idleTimeout: 10m,
                     clientHelloTimeout: 3s, maxClientHelloSize: 16k}
                  - {name: web, address: ':80'}
                """);
        GatewayConfig.ListenerConfig db = c.listeners().get(0);
        assertThat(db.isLayer4()).isTrue();
        assertThat(db.listener().protocol()).isEqualTo(io.tidegate.spi.model.ListenerProtocol.TCP);
        assertThat(db.l4()).isEqualTo(GatewayConfig.L4.DEFAULTS);
        assertThat(db.l4().idleTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(db.l4().clientHelloTimeout()).isEqualTo(Duration.ofSeconds(15));
        GatewayConfig.ListenerConfig edge = c.listeners().get(1);
        assertThat(edge.listener().protocol()).isEqualTo(io.tidegate.spi.model.ListenerProtocol.TLS_PASSTHROUGH);
        assertThat(edge.l4()).isEqualTo(new GatewayConfig.L4(Duration.ofMinutes(10), Duration.ofSeconds(3), 16 * 1024));
        assertThat(c.listeners().get(2).isLayer4()).isFalse();
        assertThat(c.listeners().get(2).l4()).isNull();
    }

    @Test
    void httpKeysOnL4ListenersAndL4KeysElsewhereAreRefusedByName() {
        assertThatThrownBy(() -> parse("listeners: [{name: s, address: ':443', protocol: tls-passthrough, "
                + "tls: {certificates: []}}]"))
                .hasMessageContaining("listeners[0].tls: is not for tls-passthrough listeners (a tls-passthrough "
                        + "listener never terminates TLS; expected: protocol: https to terminate, or no tls)");
        assertThatThrownBy(() -> parse("listeners: [{name: s, address: ':5432', protocol: tcp, http2: {enabled: false}}]"))
                .hasMessageContaining("listeners[0].http2: is not for tcp listeners (expected: protocol: http or https, "
                        + "or no http2)");
        assertThatThrownBy(() -> parse("listeners: [{name: s, address: ':5432', protocol: tcp, role: egress, "
                + "forwardProxy: true}]"))
                .hasMessageContaining("listeners[0].forwardProxy: is not for tcp listeners");
        assertThatThrownBy(() -> parse("listeners: [{name: s, address: ':5432', protocol: tcp, maxBodySize: 1m}]"))
                .hasMessageContaining("listeners[0].maxBodySize: is not for tcp listeners");
        assertThatThrownBy(() -> parse("listeners: [{name: s, address: ':5432', protocol: tcp, clientHelloTimeout: 1s}]"))
                .hasMessageContaining("listeners[0].clientHelloTimeout: is only for tls-passthrough listeners (a tcp "
                        + "listener reads no ClientHello; expected: protocol: tls-passthrough, or no clientHelloTimeout)");
        assertThatThrownBy(() -> parse("listeners: [{name: w, address: ':80', idleTimeout: 5m}]"))
                .hasMessageContaining("listeners[0].idleTimeout: is only for tcp and tls-passthrough listeners "
                        + "(expected: protocol: tcp or tls-passthrough, or no idleTimeout)");
        assertThatThrownBy(() -> parse("listeners: [{name: s, address: ':5432', protocol: tcp, idleTimeout: 0s}]"))
                .hasMessageContaining("listeners[0].idleTimeout: '0s' (expected: a duration > 0, e.g. 30s)");
        assertThatThrownBy(() -> parse("listeners: [{name: s, address: ':443', protocol: tls-passthrough, "
                + "maxClientHelloSize: 100}]"))
                .hasMessageContaining("listeners[0].maxClientHelloSize: 100 bytes (expected: 512 to 1m, e.g. 64k)");
    }

    @Test
    void yamlSyntaxErrorsCarryTheLine() {
        assertThatThrownBy(() -> parse("listeners:\n  - name: [unclosed\n"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("tidegate.yaml:3:");
        assertThatThrownBy(() -> parse("a: 1\na: 2\n")).hasMessageContaining("duplicate key");
    }
}
