package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.SslContextBuilder;
import io.netty.pkitesting.X509Bundle;
import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RedisServer;
import io.tidegate.kernel.testing.TestPki;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.kernel.testing.TlsClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's L4 translation served by the real engine: the {@code source-istio} JAR loaded by PF4J, offline
 * manifests with a Gateway whose {@code PASSTHROUGH} server maps ({@code listenerPorts}) to a
 * {@code tls-passthrough} listener and whose TCP server maps to a {@code tcp} listener; a VirtualService's
 * {@code tls} routes pick one of two TLS upstreams (STATIC ServiceEntries on loopback, each with its own
 * certificate) by {@code sniHosts}, its {@code tcp} route reaches a real {@code redis-server}.
 */
@ExtendWith(NoLeaks.class)
class IstioL4GatewayTest {

    @TempDir
    static Path home;

    static X509Bundle ca;
    static TestUpstream alpha;
    static TestUpstream beta;
    static RedisServer redis;
    static Gateway gateway;
    static Path accessLog;

    @BeforeAll
    static void start() throws Exception {
        TestInstall install = new TestInstall(home);
        ca = TestPki.ca("L4 CA");
        alpha = tlsUpstream("alpha", "alpha.l4.test");
        beta = tlsUpstream("beta", "beta-upstream.l4.test");
        redis = RedisServer.start(Files.createDirectories(home.resolve("redis")));
        Path manifests = Files.createDirectories(install.conf.resolve("istio"));
        Files.writeString(manifests.resolve("l4.yaml"), manifests(alpha.port(), beta.port(), redis.port()));
        accessLog = home.resolve("access.log");
        Path config = install.conf.resolve("tidegate.yaml");
        Files.writeString(config, """
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                  - name: edge
                    address: 127.0.0.1:0
                    protocol: tls-passthrough
                  - name: cache
                    address: 127.0.0.1:0
                    protocol: tcp
                admin:
                  address: 127.0.0.1:0
                plugins:
                  dir: plugins
                sources:
                  - id: istio
                    manifests: [conf/istio]
                    gatewayLabels: {app: tidegate}
                    listenerPorts: {"80": [web], "443": [edge], "6379": [cache]}
                    debounce: 20ms
                accessLog:
                  target: %s
                  format: json
                """.formatted(accessLog));
        gateway = TestInstall.startGateway(config, home, new LinkedBlockingQueue<>());
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        alpha.close();
        beta.close();
        redis.close();
    }

    private static TestUpstream tlsUpstream(String name, String cn) throws Exception {
        X509Bundle leaf = TestPki.server(ca, cn);
        return TestUpstream.startTls(name, SslContextBuilder.forServer(leaf.getKeyPair().getPrivate(),
                leaf.getCertificatePath()).build());
    }

    private static String manifests(int alphaPort, int betaPort, int redisPort) {
        return """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: l4-gateway, namespace: shop}
                spec:
                  selector: {app: tidegate}
                  servers:
                    - port: {number: 443, name: tls, protocol: TLS}
                      hosts: ["*.l4.test"]
                      tls: {mode: PASSTHROUGH}
                    - port: {number: 6379, name: redis, protocol: TCP}
                      hosts: ["*"]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: alpha, namespace: shop}
                spec:
                  hosts: [alpha.shop.internal]
                  resolution: STATIC
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  endpoints: [{address: 127.0.0.1, ports: {tls: %d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: beta, namespace: shop}
                spec:
                  hosts: [beta.shop.internal]
                  resolution: STATIC
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  endpoints: [{address: 127.0.0.1, ports: {tls: %d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: redis, namespace: shop}
                spec:
                  hosts: [redis.shop.internal]
                  resolution: STATIC
                  ports: [{number: 6379, name: tcp-redis, protocol: TCP}]
                  endpoints: [{address: 127.0.0.1, ports: {tcp-redis: %d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: passthrough, namespace: shop}
                spec:
                  hosts: [alpha.l4.test, beta.l4.test]
                  gateways: [l4-gateway]
                  tls:
                    - match: [{sniHosts: [alpha.l4.test]}]
                      route: [{destination: {host: alpha.shop.internal}}]
                    - match: [{sniHosts: [beta.l4.test]}]
                      route: [{destination: {host: beta.shop.internal, port: {number: 443}}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: cache, namespace: shop}
                spec:
                  hosts: [redis.l4.test]
                  gateways: [l4-gateway]
                  tcp:
                    - match: [{port: 6379}]
                      route: [{destination: {host: redis.shop.internal, port: {number: 6379}}}]
                """.formatted(alphaPort, betaPort, redisPort);
    }

    /** A fresh context per connection: the JDK's session cache must not resume across server names. */
    private static SSLContext client() {
        return TlsClient.context(ca, null);
    }

    @Test
    void eachSniHostReachesItsServiceEntryAndTheClientSeesThatUpstreamsCertificate() throws Exception {
        int edge = gateway.engine().port("edge");
        try (TlsClient c = TlsClient.connect(client(), edge, "alpha.l4.test")) {
            assertThat(c.serverCn()).isEqualTo("alpha.l4.test");
            assertThat(c.get("alpha.l4.test", "/a")).contains("alpha GET /a");
        }
        try (TlsClient c = TlsClient.connect(client(), edge, "beta.l4.test")) {
            assertThat(c.serverCn()).as("beta's own certificate: TLS was not terminated")
                    .isEqualTo("beta-upstream.l4.test");
            assertThat(c.get("beta.l4.test", "/b")).contains("beta GET /b");
        }
        assertThat(L4Wire.awaitLine(accessLog, "\"sni\":\"beta.l4.test\"")).contains("\"listener\":\"edge\"",
                "\"route\":\"shop/passthrough/tls[1]/match[0]\"", "\"upstream\":\"127.0.0.1:" + beta.port() + "\"");
    }

    @Test
    void anSniNameNoTlsRouteTakesIsClosedBeforeAnyUpstream() throws Exception {
        int before = alpha.connections() + beta.connections();
        assertThatThrownBy(() -> TlsClient.connect(client(), gateway.engine().port("edge"), "gamma.l4.test").close())
                .isInstanceOf(IOException.class);
        assertThat(L4Wire.awaitLine(accessLog, "\"sni\":\"gamma.l4.test\"")).contains("\"flag\":\"NR\"");
        assertThat(alpha.connections() + beta.connections()).isEqualTo(before);
    }

    @Test
    void theTcpRouteReachesRedis() throws Exception {
        L4Wire.assertRedisAnswers(gateway.engine().port("cache"), "istio:l4");
        assertThat(redis.command("GET istio:l4")).as("the SET reached the real server").isEqualTo("$11");
        assertThat(L4Wire.awaitLine(accessLog, "\"listener\":\"cache\"")).contains("\"protocol\":\"TCP\"",
                "\"route\":\"shop/cache/tcp[0]/match[0]\"", "\"upstream\":\"127.0.0.1:" + redis.port() + "\"");
    }

    @Test
    void theSourceReportsNoDiagnostic() throws Exception {
        String sources = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gateway.admin().port() + "/sources")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(sources).contains("\"name\": \"istio\"", "\"clusters\": 3", "\"lastError\": null",
                "\"diagnostics\": []");
    }
}
