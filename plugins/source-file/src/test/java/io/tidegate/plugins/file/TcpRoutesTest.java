package io.tidegate.plugins.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.TcpRoute;
import io.tidegate.spi.model.WeightedCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The {@code tcpRoutes:} section: TCP and TLS-passthrough routes, each bad one rejected alone with file, line and key. */
class TcpRoutesTest {

    private static final Map<String, ListenerProtocol> LISTENERS = Map.of("web", ListenerProtocol.HTTP,
            "postgres", ListenerProtocol.TCP, "edge", ListenerProtocol.TLS_PASSTHROUGH);

    private static Translation translate(String yaml) {
        return new FileTranslator("file", LISTENERS).translate(List.of(
                new SourceFile("tcp.yaml", TestContext.YAML.parse("tcp.yaml", yaml))));
    }

    @Test
    void readsNameListenersSniHostsWeightedClustersAndIdleTimeout() {
        Translation t = translate("""
                tcpRoutes:
                  - name: pg
                    listeners: [postgres]
                    forward: pg-primary
                  - name: tenants
                    listeners: edge
                    sniHosts: [DB.example.com, "*.tenants.example.com"]
                    forward: [{cluster: blue, weight: 90}, {cluster: green, weight: 10}, plain]
                    idleTimeout: 30m
                """);
        assertThat(t.diagnostics()).isEmpty();
        assertThat(t.tcpRoutes()).hasSize(2);
        TcpRoute pg = t.tcpRoutes().get(0);
        assertThat(pg.listeners()).containsExactly("postgres");
        assertThat(pg.sniHosts()).isEmpty();
        assertThat(pg.clusters()).containsExactly(WeightedCluster.of("pg-primary", 1));
        assertThat(pg.idleTimeout()).isNull();
        assertThat(pg.provenance().toString()).isEqualTo("file:tcp.yaml#tcpRoutes[0]");
        TcpRoute tenants = t.tcpRoutes().get(1);
        assertThat(tenants.listeners()).isEqualTo(Set.of("edge"));
        assertThat(tenants.sniHosts()).containsExactly("db.example.com", "*.tenants.example.com");
        assertThat(tenants.clusters()).containsExactly(WeightedCluster.of("blue", 90), WeightedCluster.of("green", 10),
                WeightedCluster.of("plain", 1));
        assertThat(tenants.idleTimeout()).isEqualTo(Duration.ofMinutes(30));
    }

    @Test
    void eachBadTcpRouteIsRejectedAloneNamingFileLineAndKey() {
        Translation t = translate("""
                tcpRoutes:
                  - name: on-http
                    listeners: [web]
                    forward: a
                  - name: on-nothing
                    listeners: [nope]
                    forward: a
                  - name: bad-sni
                    sniHosts: ["api.*.com"]
                    forward: a
                  - name: ip-sni
                    sniHosts: ["[::1]"]
                    forward: a
                  - name: no-forward
                  - name: zero-weights
                    forward: [{cluster: a, weight: 0}]
                  - name: zero-idle
                    forward: a
                    idleTimeout: 0s
                  - name: typo
                    forwrd: a
                  - name: fine
                    forward: a
                  - name: fine
                    forward: b
                """);
        assertThat(t.tcpRoutes()).extracting(TcpRoute::name).containsExactly("fine");
        assertThat(t.tcpRoutes().get(0).clusters()).containsExactly(WeightedCluster.of("a", 1));
        assertThat(t.diagnostics()).allSatisfy(d -> assertThat(d.severity()).isEqualTo(Diagnostic.Severity.ERROR));
        assertThat(t.diagnostics()).extracting(d -> d.object().rule() + " " + d.message()).containsExactly(
                "tcpRoutes[0] tcp.yaml:3:17: tcpRoutes[0].listeners[0]: \"web\" is a http listener (expected: a tcp or "
                        + "tls-passthrough listener; HTTP traffic goes in routes:)",
                "tcpRoutes[1] tcp.yaml:6:17: tcpRoutes[1].listeners[0]: \"nope\" is not a listener in tidegate.yaml "
                        + "(expected one of: edge, postgres)",
                "tcpRoutes[2] tcp.yaml:9:16: tcpRoutes[2].sniHosts[0]: \"api.*.com\" (expected: * only as the whole "
                        + "first label, as in *.example.com)",
                "tcpRoutes[3] tcp.yaml:12:16: tcpRoutes[3].sniHosts[0]: \"[::1]\" (expected: a DNS name; SNI never "
                        + "carries an IP address)",
                "tcpRoutes[4] tcp.yaml:14:5: tcpRoutes[4].forward: is required (expected: a cluster name or a list of "
                        + "{cluster, weight})",
                "tcpRoutes[5] tcp.yaml:16:14: tcpRoutes[5].forward: every weight is 0 (expected: at least one weight >= 1)",
                "tcpRoutes[6] tcp.yaml:19:18: tcpRoutes[6].idleTimeout: '0s' (expected: a duration > 0, e.g. 30m)",
                "tcpRoutes[7] tcp.yaml:21:13: tcpRoutes[7].forwrd: unknown key (expected one of: forward, idleTimeout, "
                        + "listeners, name, sniHosts)",
                "tcpRoutes[9] tcp.yaml:24:11: tcpRoutes[9].name: duplicate tcp route name \"fine\", first defined at "
                        + "tcp.yaml:22:11 (tcpRoutes[8]); this one is ignored (expected: tcp route names unique across "
                        + "all files of source \"file\")");
    }

    @Test
    void tcpRoutesMayShareNamesWithHttpRoutes() {
        Translation t = translate("""
                routes:
                  - name: api
                    forward: a
                tcpRoutes:
                  - name: api
                    forward: a
                """);
        assertThat(t.diagnostics()).isEmpty();
        assertThat(t.routes()).hasSize(1);
        assertThat(t.tcpRoutes()).hasSize(1);
    }
}
