package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes source as its real plugin JAR, loaded by PF4J from {@code plugins/}, in offline mode
 * ({@code manifests:}): Ingresses, Services and EndpointSlices as {@code kubectl apply -f} takes them,
 * EndpointSlices pointing at real upstreams on loopback, and the whole gateway serving them. Replays the
 * Kubernetes documentation's path-matching examples and hostname-wildcard rules through the real engine.
 */
@ExtendWith(NoLeaks.class)
class KubernetesManifestsGatewayTest {

    @TempDir
    Path home;

    private Path manifests;
    private final List<TestUpstream> upstreams = new ArrayList<>();
    private Gateway gateway;
    private final BlockingQueue<CompiledConfig> swaps = new LinkedBlockingQueue<>();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        TestInstall install = new TestInstall(home);
        manifests = Files.createDirectories(install.conf.resolve("k8s"));
        StringBuilder backends = new StringBuilder();
        for (String name : List.of("svc-a", "svc-b", "svc-c")) {
            TestUpstream u = TestUpstream.start(name);
            upstreams.add(u);
            backends.append(service(name, u.port()));
        }
        write("backends.yaml", backends.toString());
        write("docs.yaml", docsIngresses());
        Path config = install.conf.resolve("tidegate.yaml");
        Files.writeString(config, """
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                admin:
                  address: 127.0.0.1:0
                plugins:
                  dir: plugins
                sources:
                  - id: kubernetes
                    manifests: [conf/k8s]
                    debounce: 20ms
                    pollInterval: 500ms
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
        upstreams.forEach(TestUpstream::close);
    }

    private void write(String name, String yaml) throws Exception {
        Path tmp = manifests.resolve("." + name + ".tmp");
        Files.writeString(tmp, yaml);
        Files.move(tmp, manifests.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** A Service with a named port and an EndpointSlice whose ready endpoint is the loopback upstream. */
    private static String service(String name, int port) {
        return """
                apiVersion: v1
                kind: Service
                metadata: {name: %1$s, namespace: docs}
                spec:
                  selector: {app: %1$s}
                  ports: [{name: http, port: 80, targetPort: http}]
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata:
                  name: %1$s-x1
                  namespace: docs
                  labels: {kubernetes.io/service-name: %1$s}
                addressType: IPv4
                ports: [{name: http, port: %2$d}]
                endpoints:
                  - addresses: [127.0.0.1]
                    conditions: {ready: true}
                  - addresses: [127.0.0.2]
                    conditions: {ready: false}
                ---
                """.formatted(name, port);
    }

    /** One Ingress per row of the documentation's table, each on its own host; paths i go to svc-a/b/c. */
    private static String docsIngresses() {
        StringBuilder sb = new StringBuilder();
        String[][] rows = {
                {"prefix-root", "Prefix:/"},
                {"exact-foo", "Exact:/foo"},
                {"exact-foo-slash", "Exact:/foo/"},
                {"prefix-foo", "Prefix:/foo"},
                {"prefix-foo-slash", "Prefix:/foo/"},
                {"prefix-aaa-bb", "Prefix:/aaa/bb"},
                {"prefix-aaa-bbb", "Prefix:/aaa/bbb"},
                {"prefix-aaa-bbb-slash", "Prefix:/aaa/bbb/"},
                {"multi-2", "Prefix:/", "Prefix:/aaa"},
                {"multi-3", "Prefix:/", "Prefix:/aaa", "Prefix:/aaa/bbb"},
                {"prefix-aaa", "Prefix:/aaa"},
                {"mixed", "Prefix:/foo", "Exact:/foo"},
        };
        String[] services = {"svc-a", "svc-b", "svc-c"};
        for (String[] row : rows) {
            sb.append("""
                    apiVersion: networking.k8s.io/v1
                    kind: Ingress
                    metadata: {name: %1$s, namespace: docs}
                    spec:
                      ingressClassName: tidegate
                      rules:
                        - host: %1$s.docs.test
                          http:
                            paths:
                    """.formatted(row[0]));
            for (int i = 1; i < row.length; i++) {
                String[] kv = row[i].split(":", 2);
                sb.append("          - {path: %s, pathType: %s, backend: {service: {name: %s, port: {name: http}}}}\n"
                        .formatted(kv[1], kv[0], services[i - 1]));
            }
            sb.append("---\n");
        }
        sb.append("""
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: wildcard, namespace: docs}
                spec:
                  ingressClassName: tidegate
                  rules:
                    - host: "*.foo.com"
                      http:
                        paths:
                          - {path: /, pathType: Prefix, backend: {service: {name: svc-a, port: {number: 80}}}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: rewrite
                  namespace: docs
                  annotations:
                    nginx.ingress.kubernetes.io/use-regex: "true"
                    nginx.ingress.kubernetes.io/rewrite-target: /$2
                    nginx.ingress.kubernetes.io/upstream-vhost: internal.docs.test
                    nginx.ingress.kubernetes.io/configuration-snippet: "more_set_headers x;"
                spec:
                  ingressClassName: tidegate
                  rules:
                    - host: rewrite.docs.test
                      http:
                        paths:
                          - {path: /something(/|$)(.*), pathType: ImplementationSpecific, backend: {service: {name: svc-b, port: {number: 80}}}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: shop, namespace: docs, creationTimestamp: "2024-01-01T00:00:00Z"}
                spec:
                  ingressClassName: tidegate
                  rules:
                    - host: shop.docs.test
                      http:
                        paths:
                          - {path: /, pathType: Prefix, backend: {service: {name: svc-a, port: {number: 80}}}}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: shop-canary
                  namespace: docs
                  creationTimestamp: "2024-02-01T00:00:00Z"
                  annotations:
                    nginx.ingress.kubernetes.io/canary: "true"
                    nginx.ingress.kubernetes.io/canary-by-header: X-Canary
                spec:
                  ingressClassName: tidegate
                  rules:
                    - host: shop.docs.test
                      http:
                        paths:
                          - {path: /, pathType: Prefix, backend: {service: {name: svc-c, port: {number: 80}}}}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: GatewayClass
                metadata: {name: tidegate}
                spec: {controllerName: tidegate.io/ingress-controller}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: docs}
                spec:
                  gatewayClassName: tidegate
                  listeners: [{name: web, protocol: HTTP, port: 80}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: api, namespace: docs}
                spec:
                  parentRefs: [{name: edge}]
                  hostnames: [api.gateway.test]
                  rules:
                    - matches: [{path: {type: PathPrefix, value: /v1}}]
                      filters:
                        - type: URLRewrite
                          urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}
                        - type: RequestHeaderModifier
                          requestHeaderModifier: {set: [{name: x-route, value: httproute}]}
                      backendRefs: [{name: svc-b, port: 80}]
                    - backendRefs: [{name: svc-a, port: 80}]
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: other-class, namespace: docs}
                spec:
                  ingressClassName: nginx
                  rules:
                    - host: nginx.docs.test
                      http:
                        paths:
                          - {path: /, pathType: Prefix, backend: {service: {name: svc-a, port: {number: 80}}}}
                """);
        return sb.toString();
    }

    private String get(String host, String path) throws Exception {
        return RawHttp.exchange(gateway.engine().port("web"),
                "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n", 3000);
    }

    /** Which service answered, or the status when none did. */
    private String served(String host, String path) throws Exception {
        String response = get(host, path);
        for (String svc : List.of("svc-a", "svc-b", "svc-c")) {
            if (response.contains("\r\n\r\n" + svc + " GET ")) {
                return svc;
            }
        }
        return String.valueOf(RawHttp.status(response));
    }

    @Test
    void theKubernetesDocsPathExamplesAndWildcardRulesHoldThroughTheRealEngine() throws Exception {
        String[][] table = {
                // host (row), request path, expected
                {"prefix-root", "/", "svc-a"},
                {"prefix-root", "/anything/at/all", "svc-a"},
                {"exact-foo", "/foo", "svc-a"},
                {"exact-foo", "/bar", "404"},
                {"exact-foo", "/foo/", "404"},
                {"exact-foo-slash", "/foo", "404"},
                {"prefix-foo", "/foo", "svc-a"},
                {"prefix-foo", "/foo/", "svc-a"},
                {"prefix-foo-slash", "/foo", "svc-a"},
                {"prefix-foo-slash", "/foo/", "svc-a"},
                {"prefix-aaa-bb", "/aaa/bbb", "404"},
                {"prefix-aaa-bbb", "/aaa/bbb", "svc-a"},
                {"prefix-aaa-bbb-slash", "/aaa/bbb", "svc-a"},
                {"prefix-aaa-bbb", "/aaa/bbb/", "svc-a"},
                {"prefix-aaa-bbb", "/aaa/bbb/ccc", "svc-a"},
                {"prefix-aaa-bbb", "/aaa/bbbxyz", "404"},
                {"multi-2", "/aaa/ccc", "svc-b"},
                {"multi-3", "/aaa/bbb", "svc-c"},
                {"multi-3", "/ccc", "svc-a"},
                {"prefix-aaa", "/ccc", "404"},
                {"mixed", "/foo", "svc-b"},
        };
        List<String> failures = new ArrayList<>();
        for (String[] row : table) {
            String got = served(row[0] + ".docs.test", row[1]);
            if (!got.equals(row[2])) {
                failures.add(row[0] + " " + row[1] + ": expected " + row[2] + ", got " + got);
            }
        }
        // Hostname wildcards: a single DNS label.
        String[][] hosts = {{"bar.foo.com", "svc-a"}, {"baz.bar.foo.com", "404"}, {"foo.com", "404"}};
        for (String[] row : hosts) {
            String got = served(row[0], "/");
            if (!got.equals(row[1])) {
                failures.add("host " + row[0] + ": expected " + row[1] + ", got " + got);
            }
        }
        // Another class's Ingress is not served.
        if (!served("nginx.docs.test", "/").equals("404")) {
            failures.add("an Ingress of class nginx was served");
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void annotationsApplyReceiptsShowAtSourcesAndAManifestChangeIsLive() throws Exception {
        String rewritten = get("rewrite.docs.test", "/something/new?q=1");
        assertThat(rewritten).contains("svc-b GET /new?q=1").contains("host: internal.docs.test");

        // Canary by header: "always" goes to the canary, anything else to the main backend.
        assertThat(RawHttp.exchange(gateway.engine().port("web"), "GET / HTTP/1.1\r\nHost: shop.docs.test\r\n"
                + "X-Canary: always\r\nConnection: close\r\n\r\n", 3000)).contains("svc-c GET /");
        assertThat(served("shop.docs.test", "/")).isEqualTo("svc-a");

        // Gateway API HTTPRoute: prefix rewrite, header set, fallback rule.
        String v1 = get("api.gateway.test", "/v1/users");
        assertThat(v1).contains("svc-b GET /users").contains("x-route: httproute");
        assertThat(served("api.gateway.test", "/other")).isEqualTo("svc-a");

        String sources = admin("/sources");
        assertThat(sources).contains("configuration-snippet: refused")
                .contains("rewrite-target: applied");

        // Ready endpoints only: 127.0.0.2 is not ready, so every request reaches the loopback upstream.
        for (int i = 0; i < 3; i++) {
            assertThat(served("prefix-root.docs.test", "/")).isEqualTo("svc-a");
        }

        swaps.clear();
        write("late.yaml", """
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: late, namespace: docs}
                spec:
                  ingressClassName: tidegate
                  rules:
                    - host: late.docs.test
                      http:
                        paths:
                          - {path: /, pathType: Prefix, backend: {service: {name: svc-c, port: {number: 80}}}}
                """);
        assertThat(swaps.poll(5, TimeUnit.SECONDS)).as("a generation with the new Ingress").isNotNull();
        assertThat(served("late.docs.test", "/x")).isEqualTo("svc-c");

        // A broken file is reported by name; its last good objects stay live.
        swaps.clear();
        write("late.yaml", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: [broken\n");
        assertThat(swaps.poll(5, TimeUnit.SECONDS)).as("a generation with the error").isNotNull();
        assertThat(admin("/sources")).contains("late.yaml");
        assertThat(served("late.docs.test", "/x")).isEqualTo("svc-c");
    }

    private String admin(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.admin().port() + path))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
