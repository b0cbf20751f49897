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
 * Gateway API's L4 routes served by the real engine: the {@code source-kubernetes} JAR loaded by PF4J with
 * {@code gatewayApiExperimental: true}, offline manifests with a Gateway whose {@code TLS} Passthrough listener
 * takes two TLSRoutes (by hostname, to two Services whose EndpointSlices point at TLS upstreams on loopback,
 * each with its own certificate) and whose {@code TCP} listener takes a TCPRoute to a real {@code redis-server}.
 */
@ExtendWith(NoLeaks.class)
class GatewayApiL4GatewayTest {

    @TempDir
    static Path home;

    static X509Bundle ca;
    static TestUpstream store;
    static TestUpstream admin;
    static RedisServer redis;
    static Gateway gateway;
    static Path accessLog;

    @BeforeAll
    static void start() throws Exception {
        TestInstall install = new TestInstall(home);
        ca = TestPki.ca("Gateway API L4 CA");
        store = tlsUpstream("store", "store.l4.test");
        admin = tlsUpstream("admin", "admin-upstream.l4.test");
        redis = RedisServer.start(Files.createDirectories(home.resolve("redis")));
        Path manifests = Files.createDirectories(install.conf.resolve("k8s"));
        Files.writeString(manifests.resolve("l4.yaml"), gatewayObjects()
                + service("store", "tls", 443, store.port()) + service("admin", "tls", 443, admin.port())
                + service("cache", "redis", 6379, redis.port()));
        accessLog = home.resolve("access.log");
        Path config = install.conf.resolve("tidegate.yaml");
        Files.writeString(config, """
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                  - name: passthrough
                    address: 127.0.0.1:0
                    protocol: tls-passthrough
                  - name: db
                    address: 127.0.0.1:0
                    protocol: tcp
                admin:
                  address: 127.0.0.1:0
                plugins:
                  dir: plugins
                sources:
                  - id: kubernetes
                    manifests: [conf/k8s]
                    gatewayApiExperimental: true
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
        store.close();
        admin.close();
        redis.close();
    }

    private static TestUpstream tlsUpstream(String name, String cn) throws Exception {
        X509Bundle leaf = TestPki.server(ca, cn);
        return TestUpstream.startTls(name, SslContextBuilder.forServer(leaf.getKeyPair().getPrivate(),
                leaf.getCertificatePath()).build());
    }

    private static String gatewayObjects() {
        return """
                apiVersion: gateway.networking.k8s.io/v1
                kind: GatewayClass
                metadata: {name: tidegate}
                spec: {controllerName: tidegate.io/ingress-controller}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: shop}
                spec:
                  gatewayClassName: tidegate
                  listeners:
                    - {name: tls, protocol: TLS, port: 443, hostname: "*.l4.test", tls: {mode: Passthrough}}
                    - {name: db, protocol: TCP, port: 6379}
                ---
                apiVersion: gateway.networking.k8s.io/v1alpha2
                kind: TLSRoute
                metadata: {name: store, namespace: shop}
                spec:
                  parentRefs: [{name: edge, sectionName: tls}]
                  hostnames: [store.l4.test]
                  rules: [{backendRefs: [{name: store, port: 443}]}]
                ---
                apiVersion: gateway.networking.k8s.io/v1alpha2
                kind: TLSRoute
                metadata: {name: admin, namespace: shop}
                spec:
                  parentRefs: [{name: edge, sectionName: tls}]
                  hostnames: [admin.l4.test]
                  rules: [{backendRefs: [{name: admin, port: 443}]}]
                ---
                apiVersion: gateway.networking.k8s.io/v1alpha2
                kind: TCPRoute
                metadata: {name: cache, namespace: shop}
                spec:
                  parentRefs: [{name: edge, sectionName: db}]
                  rules: [{backendRefs: [{name: cache, port: 6379}]}]
                ---
                """;
    }

    /** A Service with one named port and an EndpointSlice whose ready endpoint is the loopback server. */
    private static String service(String name, String portName, int port, int target) {
        return """
                apiVersion: v1
                kind: Service
                metadata: {name: %1$s, namespace: shop}
                spec:
                  selector: {app: %1$s}
                  ports: [{name: %2$s, port: %3$d, targetPort: %2$s}]
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata:
                  name: %1$s-x1
                  namespace: shop
                  labels: {kubernetes.io/service-name: %1$s}
                addressType: IPv4
                ports: [{name: %2$s, port: %4$d}]
                endpoints:
                  - addresses: [127.0.0.1]
                    conditions: {ready: true}
                ---
                """.formatted(name, portName, port, target);
    }

    /** A fresh context per connection: the JDK's session cache must not resume across server names. */
    private static SSLContext client() {
        return TlsClient.context(ca, null);
    }

    @Test
    void eachTlsRouteHostnameReachesItsServiceAndTheClientSeesThatUpstreamsCertificate() throws Exception {
        int port = gateway.engine().port("passthrough");
        try (TlsClient c = TlsClient.connect(client(), port, "store.l4.test")) {
            assertThat(c.serverCn()).isEqualTo("store.l4.test");
            assertThat(c.get("store.l4.test", "/cart")).contains("store GET /cart");
        }
        try (TlsClient c = TlsClient.connect(client(), port, "admin.l4.test")) {
            assertThat(c.serverCn()).as("admin's own certificate: TLS was not terminated")
                    .isEqualTo("admin-upstream.l4.test");
            assertThat(c.get("admin.l4.test", "/users")).contains("admin GET /users");
        }
        assertThat(L4Wire.awaitLine(accessLog, "\"sni\":\"admin.l4.test\"")).contains("\"listener\":\"passthrough\"",
                "\"route\":\"tlsroute/shop/admin\"", "\"upstream\":\"127.0.0.1:" + admin.port() + "\"");
    }

    @Test
    void aHostnameNoTlsRouteNamesIsClosedBeforeAnyUpstream() throws Exception {
        int before = store.connections() + admin.connections();
        assertThatThrownBy(() -> TlsClient.connect(client(), gateway.engine().port("passthrough"), "other.l4.test")
                .close()).isInstanceOf(IOException.class);
        assertThat(L4Wire.awaitLine(accessLog, "\"sni\":\"other.l4.test\"")).contains("\"flag\":\"NR\"");
        assertThat(store.connections() + admin.connections()).isEqualTo(before);
    }

    @Test
    void theTcpRouteReachesRedis() throws Exception {
        L4Wire.assertRedisAnswers(gateway.engine().port("db"), "gatewayapi:l4");
        assertThat(redis.command("GET gatewayapi:l4")).as("the SET reached the real server").isEqualTo("$11");
        assertThat(L4Wire.awaitLine(accessLog, "\"listener\":\"db\"")).contains("\"protocol\":\"TCP\"",
                "\"route\":\"tcproute/shop/cache\"", "\"upstream\":\"127.0.0.1:" + redis.port() + "\"");
    }
}
