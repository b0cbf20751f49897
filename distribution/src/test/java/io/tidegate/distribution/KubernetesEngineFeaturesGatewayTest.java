package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.SslContextBuilder;
import io.netty.pkitesting.X509Bundle;
import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.TestPki;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.kernel.testing.TlsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ingress-nginx annotations that map onto engine features (CORS, retries, cookie affinity, HTTPS
 * upstreams), through the real {@code source-kubernetes} plugin JAR in offline mode and the real engine:
 * the kernel accepts what the source emits, and it behaves as ingress-nginx users expect.
 */
@ExtendWith(NoLeaks.class)
class KubernetesEngineFeaturesGatewayTest {

    private static final Pattern COOKIE = Pattern.compile("(?im)^set-cookie: INGRESSCOOKIE=([^;\\r\\n]+)");

    @TempDir
    Path home;

    private X509Bundle ca;
    private TestUpstream a;
    private TestUpstream b;
    private TestUpstream secure;
    private Gateway gateway;
    private final BlockingQueue<CompiledConfig> swaps = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        TestInstall install = new TestInstall(home);
        a = TestUpstream.start("svc-a");
        b = TestUpstream.start("svc-b");
        X509Bundle untrusted = TestPki.server(TestPki.ca("Cluster-internal CA"), "secure.internal");
        secure = TestUpstream.startTls("secure-app", SslContextBuilder.forServer(
                untrusted.getKeyPair().getPrivate(), untrusted.getCertificatePath()).build());
        ca = TestPki.ca("Ingress CA");
        X509Bundle site = TestPki.server(ca, "tls.k8s.test");
        Path manifests = Files.createDirectories(install.conf.resolve("k8s"));
        Files.writeString(manifests.resolve("tls.yaml"), """
                apiVersion: v1
                kind: Secret
                metadata: {name: site-tls, namespace: t}
                type: kubernetes.io/tls
                stringData:
                  tls.crt: "%s"
                  tls.key: "%s"
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: site, namespace: t}
                spec:
                  ingressClassName: tidegate
                  tls: [{hosts: [tls.k8s.test], secretName: site-tls}]
                  rules:
                    - host: tls.k8s.test
                      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: pair, port: {number: 80}}}}]}
                """.formatted(TestPki.chainPem(site).replace("\n", "\\n"),
                site.getPrivateKeyPEM().replace("\n", "\\n")));
        Files.writeString(manifests.resolve("objects.yaml"), """
                apiVersion: v1
                kind: Service
                metadata: {name: pair, namespace: t}
                spec: {ports: [{name: http, port: 80}]}
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: pair-a, namespace: t, labels: {kubernetes.io/service-name: pair}}
                addressType: IPv4
                ports: [{name: http, port: %1$d}]
                endpoints: [{addresses: [127.0.0.1]}]
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: pair-b, namespace: t, labels: {kubernetes.io/service-name: pair}}
                addressType: IPv4
                ports: [{name: http, port: %2$d}]
                endpoints: [{addresses: [127.0.0.1]}]
                ---
                # One live endpoint and one that refuses connections (nothing listens on 127.0.0.3).
                apiVersion: v1
                kind: Service
                metadata: {name: flaky, namespace: t}
                spec: {ports: [{name: http, port: 80}]}
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: flaky-x, namespace: t, labels: {kubernetes.io/service-name: flaky}}
                addressType: IPv4
                ports: [{name: http, port: %1$d}]
                endpoints: [{addresses: [127.0.0.1]}, {addresses: [127.0.0.3]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: secure, namespace: t}
                spec: {ports: [{name: https, port: 443}]}
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: secure-x, namespace: t, labels: {kubernetes.io/service-name: secure}}
                addressType: IPv4
                ports: [{name: https, port: %3$d}]
                endpoints: [{addresses: [127.0.0.1]}]
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: cors
                  namespace: t
                  annotations:
                    nginx.ingress.kubernetes.io/enable-cors: "true"
                    nginx.ingress.kubernetes.io/cors-allow-origin: "https://app.test"
                spec:
                  ingressClassName: tidegate
                  rules:
                    - host: cors.test
                      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: pair, port: {number: 80}}}}]}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: sticky
                  namespace: t
                  annotations:
                    nginx.ingress.kubernetes.io/affinity: cookie
                spec:
                  ingressClassName: tidegate
                  rules:
                    - host: sticky.test
                      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: pair, port: {number: 80}}}}]}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: retried
                  namespace: t
                  annotations:
                    nginx.ingress.kubernetes.io/proxy-next-upstream: "error timeout"
                    nginx.ingress.kubernetes.io/proxy-next-upstream-tries: "3"
                spec:
                  ingressClassName: tidegate
                  rules:
                    - host: retried.test
                      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: flaky, port: {number: 80}}}}]}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: https-backend
                  namespace: t
                  annotations:
                    nginx.ingress.kubernetes.io/backend-protocol: HTTPS
                spec:
                  ingressClassName: tidegate
                  rules:
                    - host: secure.test
                      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: secure, port: {number: 443}}}}]}
                """.formatted(a.port(), b.port(), secure.port()));
        Path config = install.conf.resolve("tidegate.yaml");
        Files.writeString(config, """
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                  - name: websecure
                    address: 127.0.0.1:0
                    protocol: https
                admin:
                  address: 127.0.0.1:0
                plugins:
                  dir: plugins
                sources:
                  - id: kubernetes
                    manifests: [conf/k8s]
                    debounce: 20ms
                accessLog:
                  enabled: false
                """);
        gateway = TestInstall.startGateway(config, home, swaps);
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        for (TestUpstream u : new TestUpstream[] {a, b, secure}) {
            if (u != null) {
                u.close();
            }
        }
    }

    private String send(String host, String requestLineAndHeaders) throws Exception {
        return RawHttp.exchange(gateway.engine().port("web"), requestLineAndHeaders.replace("{host}", host)
                + "Connection: close\r\n\r\n", 3000);
    }

    private static String servedBy(String response) {
        return response.contains("svc-a GET") || response.contains("svc-a POST") ? "svc-a"
                : response.contains("svc-b GET") ? "svc-b" : "status " + RawHttp.status(response);
    }

    @Test
    void theKernelAcceptsEverythingTheSourceEmits() throws Exception {
        String sources = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + gateway.admin().port() + "/sources")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(sources).doesNotContain("rejected").contains("enable-cors: applied")
                .contains("affinity: applied").contains("backend-protocol: applied");
    }

    @Test
    void corsPreflightIsAnsweredForAllowedOriginsOnly() throws Exception {
        String preflight = send("cors.test", "OPTIONS /api HTTP/1.1\r\nHost: {host}\r\nOrigin: https://app.test\r\n"
                + "Access-Control-Request-Method: PUT\r\n");
        assertThat(RawHttp.status(preflight)).isEqualTo(200);
        String lower = preflight.toLowerCase(Locale.ROOT);
        assertThat(lower).contains("access-control-allow-origin: https://app.test")
                .contains("access-control-allow-methods: get,put,post,delete,patch,options")
                .contains("access-control-max-age: 1728000").contains("access-control-allow-credentials: true")
                .doesNotContain("svc-a").doesNotContain("svc-b");

        String simple = send("cors.test", "GET /x HTTP/1.1\r\nHost: {host}\r\nOrigin: https://app.test\r\n");
        assertThat(simple.toLowerCase(Locale.ROOT)).contains("access-control-allow-origin: https://app.test");
        String other = send("cors.test", "GET /x HTTP/1.1\r\nHost: {host}\r\nOrigin: https://evil.test\r\n");
        assertThat(RawHttp.status(other)).isEqualTo(200);
        assertThat(other.toLowerCase(Locale.ROOT)).doesNotContain("access-control-allow-origin");
    }

    @Test
    void affinityCookieKeepsAClientOnOneEndpointWhileOtherIngressesRoundRobin() throws Exception {
        String first = send("sticky.test", "GET / HTTP/1.1\r\nHost: {host}\r\n");
        Matcher m = COOKIE.matcher(first);
        assertThat(m.find()).as("Set-Cookie INGRESSCOOKIE in " + first).isTrue();
        String cookie = m.group(1);
        String endpoint = servedBy(first);
        for (int i = 0; i < 6; i++) {
            String again = send("sticky.test", "GET / HTTP/1.1\r\nHost: {host}\r\nCookie: INGRESSCOOKIE=" + cookie
                    + "\r\n");
            assertThat(servedBy(again)).isEqualTo(endpoint);
        }
        // The CORS Ingress uses the same Service without affinity: the shared round-robin cluster.
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            String r = send("cors.test", "GET / HTTP/1.1\r\nHost: {host}\r\n");
            assertThat(r).doesNotContainIgnoringCase("INGRESSCOOKIE");
            seen.add(servedBy(r));
        }
        assertThat(seen).containsExactlyInAnyOrder("svc-a", "svc-b");
    }

    @Test
    void connectionFailuresAreRetriedOnTheOtherEndpointForEveryMethod() throws Exception {
        for (int i = 0; i < 6; i++) {
            assertThat(servedBy(send("retried.test", "GET /r HTTP/1.1\r\nHost: {host}\r\n"))).isEqualTo("svc-a");
            assertThat(servedBy(send("retried.test", "POST /r HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\n")))
                    .isEqualTo("svc-a");
        }
    }

    @Test
    void httpsBackendsAreReachedWithoutVerificationAsNginxDoesByDefault() throws Exception {
        String r = send("secure.test", "GET /s HTTP/1.1\r\nHost: {host}\r\n");
        assertThat(RawHttp.status(r)).isEqualTo(200);
        assertThat(r).contains("secure-app GET /s");
    }

    @Test
    void tlsSecretsAreServedBySniAndPlainHttpIsRedirected() throws Exception {
        String plain = send("tls.k8s.test", "GET /page?x=1 HTTP/1.1\r\nHost: {host}\r\n");
        assertThat(RawHttp.status(plain)).isEqualTo(308);
        assertThat(plain.toLowerCase(Locale.ROOT)).contains("location: https://tls.k8s.test");
        try (TlsClient tls = TlsClient.connect(TlsClient.context(ca, null), gateway.engine().port("websecure"),
                "tls.k8s.test")) {
            assertThat(tls.serverCn()).isEqualTo("tls.k8s.test");
            String r = tls.get("tls.k8s.test", "/page");
            assertThat(r).startsWith("HTTP/1.1 200").contains("x-forwarded-proto: https");
        }
        // Hosts without a tls section are not redirected.
        assertThat(RawHttp.status(send("cors.test", "GET / HTTP/1.1\r\nHost: {host}\r\n"))).isEqualTo(200);
    }
}
