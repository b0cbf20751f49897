package io.tidegate.kernel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.distribution.CliInstall;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tidegate validate|routes|explain} against the real source-file plugin JAR. */
class CliTest {

    @TempDir
    Path home;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), home).execute(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void validateAcceptsAGoodConfigAndRejectsBrokenOnes() throws Exception {
        Path config = CliInstall.create(home, """
                clusters:
                  - name: api
                    endpoints: [127.0.0.1:9000]
                routes:
                  - name: api
                    hosts: [api.example.com]
                    match: {path: {prefix: /v1}}
                    forward: api
                  - name: ghost
                    forward: nowhere
                """);
        assertThat(run("validate", "-c", config.toString())).as(out() + err()).isEqualTo(1);
        assertThat(out()).contains("source file (file): 2 routes, 1 clusters")
                .contains("ERROR file:").contains("forward[0].cluster").contains("'nowhere' is not defined")
                .contains("INVALID");

        out.reset();
        CliInstall.create(home, """
                clusters:
                  - name: api
                    endpoints: [127.0.0.1:9000]
                routes:
                  - name: api
                    forward: api
                """);
        assertThat(run("validate", "-c", config.toString())).as(out() + err()).isZero();
        assertThat(out()).contains("OK: 1 routes, 1 clusters");
    }

    @Test
    void unknownKeysInTheMainConfigNameTheKey() throws Exception {
        Path config = CliInstall.create(home, "routes: []\n");
        java.nio.file.Files.writeString(config, java.nio.file.Files.readString(config) + "\nlisteners_typo: 1\n");
        assertThat(run("validate", "-c", config.toString())).isEqualTo(1);
        assertThat(err()).contains("listeners_typo: unknown key (expected one of:");
    }

    @Test
    void routesPrintsTheTableWithProvenanceAndExplainSaysWhy() throws Exception {
        Path config = CliInstall.create(home, """
                clusters:
                  - name: api
                    endpoints: [127.0.0.1:9000, 127.0.0.1:9001]
                routes:
                  - name: admin-only
                    hosts: [admin.example.com]
                    respond: {status: 403}
                  - name: api
                    hosts: [api.example.com]
                    match: {path: {prefix: /v1}, methods: [GET]}
                    forward: api
                """);
        assertThat(run("routes", "-c", config.toString())).as(err()).isZero();
        assertThat(out()).contains("listener web").contains("admin-only").contains("api.example.com /v1/*")
                .contains("forward api").contains("[file:");

        out.reset();
        assertThat(run("explain", "GET", "http://api.example.com/v1/users", "-H", "X-Env: prod", "-c",
                config.toString())).as(err()).isZero();
        assertThat(out()).contains("skipped admin-only:").contains("route: api [file:")
                .contains("cluster api weight 1: 2 healthy of 2");

        out.reset();
        assertThat(run("explain", "POST", "http://api.example.com/v1/users", "-c", config.toString())).isZero();
        assertThat(out()).contains("no route matches: the gateway answers 404");
    }

    @Test
    void explainOnAForwardProxyListenerSaysWhereAnUnroutedRequestGoes() throws Exception {
        Path config = CliInstall.create(home, "routes: []\n"); // the plugin JARs in place; the config replaced
        java.nio.file.Files.writeString(config, """
                listeners:
                  - name: egress
                    address: 127.0.0.1:0
                    role: egress
                    forwardProxy: true
                plugins:
                  dir: plugins
                sources:
                  - id: file
                    paths: [conf/routes.d]
                policies:
                  - id: egress
                    allow: [{host: pypi.org}]
                """);
        assertThat(run("validate", "-c", config.toString())).as(out() + err()).isZero();
        out.reset();
        assertThat(run("explain", "GET", "http://pypi.org/simple/", "-c", config.toString())).as(err()).isZero();
        assertThat(out()).contains("listener egress is a forward proxy").contains("goes to pypi.org itself")
                .contains("policies [egress]");
    }

    @Test
    void routesAndExplainShowTheTcpRoutesOfL4Listeners() throws Exception {
        Path config = CliInstall.create(home, """
                clusters:
                  - name: pg
                    endpoints: [127.0.0.1:5432]
                  - name: tenants
                    endpoints: [127.0.0.1:8443]
                tcpRoutes:
                  - name: tenants
                    listeners: [edge]
                    sniHosts: ["*.tenants.example.com"]
                    forward: tenants
                  - name: postgres
                    forward: pg
                """);
        java.nio.file.Files.writeString(config, """
                listeners:
                  - {name: web, address: 127.0.0.1:0}
                  - {name: db, address: 127.0.0.1:0, protocol: tcp}
                  - {name: edge, address: 127.0.0.1:0, protocol: tls-passthrough}
                plugins:
                  dir: plugins
                sources:
                  - id: file
                    paths: [conf/routes.d]
                """);
        assertThat(run("validate", "-c", config.toString())).as(out() + err()).isZero();
        out.reset();
        assertThat(run("routes", "-c", config.toString())).as(err()).isZero();
        assertThat(out()).contains("listener db").contains("tcp sni=any (or none)").contains("relay pg")
                .contains("tcp sni=*.tenants.example.com").contains("relay tenants").contains("#tcpRoutes[0]]");

        out.reset();
        assertThat(run("explain", "GET", "https://a.tenants.example.com/", "--listener", "edge", "-c",
                config.toString())).as(err()).isZero();
        assertThat(out()).contains("connection: TLS with SNI a.tenants.example.com (listener edge)")
                .contains("result: tcp route tenants [file:");
        out.reset();
        assertThat(run("explain", "GET", "https://other.example.com/", "--listener", "db", "-c",
                config.toString())).as(err()).isZero();
        assertThat(out()).contains("TCP, no SNI read").contains("result: tcp route postgres");
    }

    @Test
    void badUsageExitsTwo() {
        assertThat(run("explain", "GET")).isEqualTo(2);
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(run("validate")).isEqualTo(2);
        assertThat(err()).contains("validate needs -c FILE");
    }
}
