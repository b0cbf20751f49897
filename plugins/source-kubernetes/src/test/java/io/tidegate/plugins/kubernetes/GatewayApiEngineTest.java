package io.tidegate.plugins.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.pkitesting.X509Bundle;
import io.tidegate.kernel.config.ListenerTls;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.TestPki;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.kernel.testing.TlsClient;
import io.tidegate.kernel.testing.TlsHarness;
import io.tidegate.plugins.support.kubernetes.ManifestReader;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.ListenerProtocol;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gateway API objects (as {@code kubectl apply -f} takes them) translated and served by the real engine, with
 * real upstreams on loopback behind EndpointSlices and real TLS: an HTTPS listener's certificate from a
 * {@code kubernetes.io/tls} Secret served by SNI, a ReferenceGrant allowing and denying a cross-namespace
 * backend, and sessionPersistence binding a client to its endpoint with the generated cookie.
 */
@ExtendWith(NoLeaks.class)
class GatewayApiEngineTest {

    private static X509Bundle ca;
    private static X509Bundle secureLeaf;
    private static TlsHarness gateway;
    private static TestUpstream shopA;
    private static TestUpstream shopB;
    private static IngressTranslator translator;

    @BeforeAll
    static void start() throws Exception {
        ca = TestPki.ca("Test CA");
        secureLeaf = TestPki.server(ca, "secure.example.com");
        X509Bundle fallback = TestPki.server(ca, "default.test");
        ListenerTls d = ListenerTls.defaults();
        gateway = TlsHarness.start(new ListenerTls("default.pem", TestPki.chainPem(fallback),
                fallback.getPrivateKeyPEM(), d.minVersion(), List.of(), ListenerTls.ClientAuth.NONE, null,
                d.sessionTimeout(), d.sessionCacheSize(), d.handshakeTimeout(), false));
        shopA = TestUpstream.start("shop-a");
        shopB = TestUpstream.start("shop-b");
        // The harness's listeners, as tidegate.yaml would give them to the source (ports 0: bound later).
        translator = new IngressTranslator("kubernetes", "tidegate", KubernetesSettings.DEFAULT_CONTROLLER, false,
                List.of(TestListeners.listener(TlsHarness.PLAIN, ListenerProtocol.HTTP, 0),
                        TestListeners.listener(TlsHarness.LISTENER, ListenerProtocol.HTTPS, 0)));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        shopA.close();
        shopB.close();
    }

    /** The objects; {@code extra} is appended (a ReferenceGrant). */
    private static String manifests(String extra) {
        String pem = TestPki.chainPem(secureLeaf).replace("\n", "\\n");
        String key = secureLeaf.getPrivateKeyPEM().replace("\r", "").replace("\n", "\\n");
        return """
                apiVersion: gateway.networking.k8s.io/v1
                kind: GatewayClass
                metadata: {name: tidegate}
                spec: {controllerName: tidegate.io/ingress-controller}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: infra}
                spec:
                  gatewayClassName: tidegate
                  listeners:
                    - {name: web, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: All}}}
                    - name: secure
                      protocol: HTTPS
                      port: 443
                      hostname: secure.example.com
                      tls: {certificateRefs: [{name: secure-cert}]}
                      allowedRoutes: {namespaces: {from: All}}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: secure-cert, namespace: infra}
                type: kubernetes.io/tls
                stringData:
                  tls.crt: "%s"
                  tls.key: "%s"
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: shop}
                spec:
                  ports: [{name: http, port: 80}]
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}
                addressType: IPv4
                ports: [{name: http, port: %d}]
                endpoints: [{addresses: [127.0.0.1]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: pair, namespace: shop}
                spec:
                  ports: [{name: http, port: 80}]
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: pair-a, namespace: shop, labels: {kubernetes.io/service-name: pair}}
                addressType: IPv4
                ports: [{name: http, port: %d}]
                endpoints: [{addresses: [127.0.0.1]}]
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: pair-b, namespace: shop, labels: {kubernetes.io/service-name: pair}}
                addressType: IPv4
                ports: [{name: http, port: %d}]
                endpoints: [{addresses: [127.0.0.1]}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: secure, namespace: shop}
                spec:
                  parentRefs: [{name: edge, namespace: infra, sectionName: secure}]
                  rules: [{backendRefs: [{name: web, port: 80}]}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: cross, namespace: apps}
                spec:
                  parentRefs: [{name: edge, namespace: infra, sectionName: web}]
                  hostnames: [cross.example.com]
                  rules: [{backendRefs: [{name: web, namespace: shop, port: 80}]}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: sticky, namespace: shop}
                spec:
                  parentRefs: [{name: edge, namespace: infra, sectionName: web}]
                  hostnames: [sticky.example.com]
                  rules:
                    - backendRefs: [{name: pair, port: 80}]
                      sessionPersistence: {sessionName: cart, absoluteTimeout: 10m, cookieConfig: {lifetimeType: Permanent}}
                """.formatted(pem, key, shopA.port(), shopA.port(), shopB.port()) + extra;
    }

    private static final String GRANT = """
            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: apps-to-web, namespace: shop}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: apps}]
              to: [{group: "", kind: Service, name: web}]
            """;

    private static CompiledConfig publish(String text) throws InterruptedException {
        Fragment f = translator.translate(Snapshot.of(ManifestReader.parse(text), null)).fragment();
        return gateway.publish(f);
    }

    private static String get(String host, String path, String... headers) throws Exception {
        StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
        for (String h : headers) {
            req.append(h).append("\r\n");
        }
        req.append("Connection: close\r\n\r\n");
        return RawHttp.exchange(gateway.plainPort(), req.toString(), 10_000);
    }

    @Test
    void theHttpsListenersCertificateIsServedBySniAndItsRoutesOnlyThere() throws Exception {
        publish(manifests(""));
        SSLContext ctx = TlsClient.context(ca, null);
        try (TlsClient c = TlsClient.connect(ctx, gateway.port(), "secure.example.com")) {
            assertThat(c.serverCn()).isEqualTo("secure.example.com");
            String answer = c.get("secure.example.com", "/orders");
            assertThat(answer).startsWith("HTTP/1.1 200").containsIgnoringCase("x-upstream: shop-a");
        }
        // Another name gets the listener's own certificate; the route is not on the plain listener.
        try (TlsClient c = TlsClient.connect(TlsClient.context(ca, null), gateway.port(), "other.test")) {
            assertThat(c.serverCn()).isEqualTo("default.test");
        }
        assertThat(RawHttp.status(get("secure.example.com", "/orders"))).isEqualTo(404);
    }

    @Test
    void aCrossNamespaceBackendIsServedOnlyWhileAReferenceGrantPermitsIt() throws Exception {
        publish(manifests(""));
        assertThat(RawHttp.status(get("cross.example.com", "/"))).isEqualTo(500);

        publish(manifests(GRANT));
        String granted = get("cross.example.com", "/");
        assertThat(RawHttp.status(granted)).isEqualTo(200);
        assertThat(granted).containsIgnoringCase("x-upstream: shop-a");

        publish(manifests(""));
        assertThat(RawHttp.status(get("cross.example.com", "/"))).isEqualTo(500);
    }

    @Test
    void sessionPersistenceBindsAClientToItsEndpointWithTheGeneratedCookie() throws Exception {
        publish(manifests(""));
        String first = get("sticky.example.com", "/cart");
        assertThat(RawHttp.status(first)).isEqualTo(200);
        String setCookie = header(first, "set-cookie");
        assertThat(setCookie).startsWith("cart=").contains("Max-Age=600");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        String bound = header(first, "x-upstream");
        for (int i = 0; i < 20; i++) {
            String next = get("sticky.example.com", "/cart", "Cookie: " + cookie);
            assertThat(header(next, "x-upstream")).isEqualTo(bound);
        }
        // Clients without the cookie are spread over both endpoints (each gets its own cookie).
        Set<String> fresh = new HashSet<>();
        for (int i = 0; i < 60 && fresh.size() < 2; i++) {
            fresh.add(header(get("sticky.example.com", "/cart"), "x-upstream"));
        }
        assertThat(fresh).containsExactlyInAnyOrder("shop-a", "shop-b");
    }

    private static String header(String raw, String name) {
        for (String line : raw.substring(0, raw.indexOf("\r\n\r\n")).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        throw new AssertionError("no " + name + " header in " + raw);
    }
}
