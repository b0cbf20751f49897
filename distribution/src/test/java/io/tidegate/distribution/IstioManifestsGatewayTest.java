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
 * The Istio source as its real plugin JAR, loaded by PF4J from {@code plugins/}, in offline mode
 * ({@code manifests:}, the VM case): Gateway, VirtualService, DestinationRule and ServiceEntry as
 * {@code kubectl apply -f} takes them, STATIC ServiceEntry endpoints pointing at real upstreams on
 * loopback (standing for VMs), and the whole gateway serving them. Replays cases of Istio's
 * documentation through the real engine, and Istio's egress-gateway task with TLS origination against a
 * local TLS upstream standing for {@code edition.cnn.com} (a DNS ServiceEntry whose endpoint is the name
 * {@code localhost}: resolved by the kernel's DNS, the hosts-file override of the external name).
 */
@ExtendWith(NoLeaks.class)
class IstioManifestsGatewayTest {

    @TempDir
    Path home;

    private Path manifests;
    private final List<TestUpstream> upstreams = new ArrayList<>();
    private TestUpstream v1;
    private TestUpstream v2;
    private TestUpstream ratings;
    private TestUpstream bad;
    private TestUpstream good;
    private TestUpstream cnn;
    private X509Bundle siteCa;
    private Gateway gateway;
    private final BlockingQueue<CompiledConfig> swaps = new LinkedBlockingQueue<>();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        TestInstall install = new TestInstall(home);
        manifests = Files.createDirectories(install.conf.resolve("istio"));
        v1 = up(TestUpstream.start("reviews-v1"));
        v2 = up(TestUpstream.start("reviews-v2"));
        ratings = up(TestUpstream.start("ratings"));
        bad = up(TestUpstream.start("flaky-bad"));
        bad.failWith(503);
        good = up(TestUpstream.start("flaky-good"));
        X509Bundle ca = TestPki.ca("External CA");
        X509Bundle leaf = TestPki.server(ca, "edition.cnn.com");
        cnn = up(TestUpstream.startTls("edition.cnn.com", SslContextBuilder.forServer(leaf.getKeyPair().getPrivate(),
                leaf.getCertificatePath()).build()));
        Files.writeString(install.conf.resolve("external-ca.pem"), ca.getCertificatePEM());
        siteCa = TestPki.ca("Site CA");
        X509Bundle fallback = TestPki.server(siteCa, "default.test");
        Files.writeString(install.conf.resolve("default.crt"), TestPki.chainPem(fallback));
        Files.writeString(install.conf.resolve("default.key"), fallback.getPrivateKeyPEM());
        write("secure.yaml", secure(TestPki.server(siteCa, "secure.test")));
        write("bookinfo.yaml", bookinfo());
        write("egress.yaml", egress());
        Path config = install.conf.resolve("tidegate.yaml");
        Files.writeString(config, """
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                  - name: egress
                    address: 127.0.0.1:0
                    role: egress
                  - name: websecure
                    address: 127.0.0.1:0
                    protocol: https
                    tls:
                      certFile: conf/default.crt
                      keyFile: conf/default.key
                admin:
                  address: 127.0.0.1:0
                plugins:
                  dir: plugins
                sources:
                  - id: istio
                    manifests: [conf/istio]
                    gatewayLabels: {app: tidegate}
                    listenerPorts: {"80": [web], "8080": [egress], "443": [websecure]}
                    debounce: 20ms
                    pollInterval: 500ms
                accessLog:
                  enabled: false
                """);
        gateway = TestInstall.startGateway(config, home, swaps);
    }

    private TestUpstream up(TestUpstream u) {
        upstreams.add(u);
        return u;
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

    private String bookinfo() {
        return """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: bookinfo-gateway, namespace: bookinfo}
                spec:
                  selector: {app: tidegate}
                  servers:
                    - port: {number: 80, name: http, protocol: HTTP}
                      hosts: ["*"]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: reviews, namespace: bookinfo}
                spec:
                  hosts: [reviews.bookinfo.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  endpoints:
                    - {address: 127.0.0.1, ports: {http: %d}, labels: {version: v1}}
                    - {address: 127.0.0.1, ports: {http: %d}, labels: {version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ratings, namespace: bookinfo}
                spec:
                  hosts: [ratings.bookinfo.svc.cluster.local]
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  endpoints: [{address: 127.0.0.1, ports: {http: %d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: flaky, namespace: bookinfo}
                spec:
                  hosts: [flaky.bookinfo.svc.cluster.local]
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  endpoints: [{address: 127.0.0.1, ports: {http: %d}}, {address: 127.0.0.1, ports: {http: %d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: bookinfo}
                spec:
                  host: reviews
                  subsets:
                    - {name: v1, labels: {version: v1}}
                    - {name: v2, labels: {version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: bookinfo, namespace: bookinfo}
                spec:
                  hosts: [bookinfo.test]
                  gateways: [bookinfo-gateway]
                  http:
                    - match: [{uri: {prefix: /api}}]
                      route: [{destination: {host: reviews, subset: v1}}]
                    - match: [{uri: {prefix: /api/v2}}]
                      route: [{destination: {host: reviews, subset: v2}}]
                    - match: [{uri: {regex: "/items/[0-9]+"}}]
                      route: [{destination: {host: ratings}}]
                    - match: [{uri: {exact: /old}}]
                      redirect: {uri: /new}
                    - match: [{uri: {prefix: /moved}}]
                      redirect: {authority: other.test, derivePort: FROM_PROTOCOL_DEFAULT}
                    - match: [{uri: {prefix: /v1/}}]
                      rewrite: {uri: /}
                      route: [{destination: {host: reviews, subset: v2}}]
                    - match: [{uri: {prefix: /service/}}]
                      rewrite: {uriRegexRewrite: {match: "^/service/([^/]+)(/.*)$", rewrite: "\\\\2/instance/\\\\1"}}
                      route: [{destination: {host: ratings}}]
                    - match: [{uri: {prefix: /gated}, withoutHeaders: {x-block: {}}}]
                      route: [{destination: {host: ratings}}]
                    - match: [{uri: {prefix: /gated}}]
                      directResponse: {status: 403, body: {string: blocked}}
                    - match: [{uri: {prefix: /abort}}]
                      fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
                      route: [{destination: {host: ratings}}]
                    - match: [{uri: {prefix: /delayed}}]
                      fault: {delay: {fixedDelay: 300ms, percentage: {value: 100}}}
                      timeout: 100ms
                      route: [{destination: {host: ratings}}]
                    - match: [{uri: {prefix: /slow}}]
                      timeout: 100ms
                      route: [{destination: {host: ratings}}]
                    - match: [{uri: {prefix: /flaky}}]
                      retries: {attempts: 3, retryOn: 5xx}
                      route: [{destination: {host: flaky}}]
                    - match: [{uri: {prefix: /split}}]
                      headers: {response: {set: {x-split: "yes"}}}
                      route:
                        - {destination: {host: reviews, subset: v1}, weight: 75}
                        - {destination: {host: reviews, subset: v2}, weight: 25}
                    - match: [{uri: {prefix: /nowhere}}]
                      route: [{destination: {host: nowhere.example.com}}]
                    - match: [{uri: {prefix: /mirrored}}]
                      mirror: {host: reviews, subset: v2}
                      route: [{destination: {host: ratings}}]
                """.formatted(v1.port(), v2.port(), ratings.port(), bad.port(), good.port());
    }

    /** Istio's "egress gateway with TLS origination" objects, the external host standing at a local TLS upstream. */
    private String egress() {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: cnn, namespace: default}
                spec:
                  hosts: [edition.cnn.com]
                  ports:
                    - {number: 80, name: http-port, protocol: HTTP}
                    - {number: 443, name: https-port-for-tls-origination, protocol: HTTPS}
                  resolution: DNS
                  endpoints: [{address: localhost, ports: {https-port-for-tls-origination: %d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: istio-egressgateway, namespace: default}
                spec:
                  selector: {app: tidegate}
                  servers:
                    - port: {number: 8080, name: http, protocol: HTTP}
                      hosts: [edition.cnn.com]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: originate-tls-for-edition-cnn-com, namespace: default}
                spec:
                  host: edition.cnn.com
                  trafficPolicy:
                    loadBalancer: {simple: ROUND_ROBIN}
                    portLevelSettings:
                      - port: {number: 443}
                        tls: {mode: SIMPLE, caCertificates: conf/external-ca.pem}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: direct-cnn-through-egress-gateway, namespace: default}
                spec:
                  hosts: [edition.cnn.com]
                  gateways: [istio-egressgateway, mesh]
                  http:
                    - match: [{gateways: [mesh], port: 80}]
                      route:
                        - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 80}}
                          weight: 100
                    - match: [{gateways: [istio-egressgateway], port: 8080}]
                      route:
                        - destination: {host: edition.cnn.com, port: {number: 443}}
                          weight: 100
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: broken, namespace: default}
                spec:
                  hosts: [broken.test]
                  gateways: [istio-egressgateway]
                  http:
                    - route: [{destination: {host: edition.cnn.com, port: {number: 443}}}]
                      timeout: soon
                """.formatted(cnn.port());
    }

    /** A Gateway with httpsRedirect on 80 and SIMPLE TLS on 443 from a credentialName Secret. */
    private static String secure(X509Bundle cert) {
        return """
                apiVersion: v1
                kind: Secret
                metadata: {name: secure-cert, namespace: bookinfo}
                type: kubernetes.io/tls
                stringData:
                  tls.crt: |
                %s
                  tls.key: |
                %s
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: secure-gateway, namespace: bookinfo}
                spec:
                  selector: {app: tidegate}
                  servers:
                    - port: {number: 80, name: http, protocol: HTTP}
                      hosts: [secure.test]
                      tls: {httpsRedirect: true}
                    - port: {number: 443, name: https, protocol: HTTPS}
                      hosts: [secure.test]
                      tls: {mode: SIMPLE, credentialName: secure-cert}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: secure, namespace: bookinfo}
                spec:
                  hosts: [secure.test]
                  gateways: [secure-gateway]
                  http:
                    - route: [{destination: {host: ratings}}]
                """.formatted(indent(TestPki.chainPem(cert)), indent(cert.getPrivateKeyPEM()));
    }

    private static String indent(String pem) {
        return pem.strip().lines().map(l -> "    " + l).collect(java.util.stream.Collectors.joining("\n"));
    }

    @Test
    void simpleTlsFromACredentialNameSecretAndHttpsRedirect() throws Exception {
        String redirect = get("web", "secure.test", "/cart?x=1");
        assertThat(RawHttp.status(redirect)).as(redirect).isEqualTo(301);
        assertThat(redirect.toLowerCase()).contains("location: https://secure.test/cart?x=1");
        try (io.tidegate.kernel.testing.TlsClient tls = io.tidegate.kernel.testing.TlsClient.connect(
                io.tidegate.kernel.testing.TlsClient.context(siteCa, null), gateway.engine().port("websecure"),
                "secure.test")) {
            assertThat(tls.serverCn()).isEqualTo("secure.test");
            assertThat(tls.get("secure.test", "/cart")).startsWith("HTTP/1.1 200").contains("ratings GET /cart");
        }
    }

    private String get(String listener, String host, String path, String... headers) throws Exception {
        StringBuilder h = new StringBuilder();
        for (String header : headers) {
            h.append(header).append("\r\n");
        }
        return RawHttp.exchange(gateway.engine().port(listener), "GET " + path + " HTTP/1.1\r\nHost: " + host
                + "\r\n" + h + "Connection: close\r\n\r\n", 3000);
    }

    /** Which upstream answered (and with which request line), or the status when none did. */
    private String served(String path, String... headers) throws Exception {
        String response = get("web", "bookinfo.test", path, headers);
        int at = response.indexOf("\r\n\r\n");
        String body = at < 0 ? "" : response.substring(at + 4);
        for (String name : List.of("reviews-v1", "reviews-v2", "ratings", "flaky-good", "flaky-bad")) {
            if (body.startsWith(name + " ")) {
                return body.lines().findFirst().orElse("");
            }
        }
        return String.valueOf(RawHttp.status(response));
    }

    @Test
    void istioDocsCasesHoldThroughTheRealEngine() throws Exception {
        List<String> failures = new ArrayList<>();
        String[][] table = {
                // first match in list order: /api comes before the longer /api/v2
                {"/api/v2/reviews", "reviews-v1 GET /api/v2/reviews"},
                {"/api", "reviews-v1 GET /api"},
                // regex: RE2, the whole path
                {"/items/42", "ratings GET /items/42"},
                {"/items/42/more", "404"},
                // rewrite keeps the query; uriRegexRewrite with capture groups
                {"/v1/users?page=2", "reviews-v2 GET /users?page=2"},
                {"/service/foo/bar", "ratings GET /bar/instance/foo"},
                // withoutHeaders
                {"/gated", "ratings GET /gated"},
                // fault abort
                {"/abort", "418"},
                // fault delay beyond the route timeout, and a slow upstream: 504
                {"/delayed", "504"},
                {"/slow?ms=2000", "504"},
                // unresolvable destination: 503, other rules unaffected
                {"/nowhere", "503"},
                // mirror: the client gets the primary's answer (the copy is checked below)
                {"/mirrored", "ratings GET /mirrored"},
        };
        for (String[] row : table) {
            String got = served(row[0]);
            if (!got.equals(row[1])) {
                failures.add(row[0] + ": expected " + row[1] + ", got " + got);
            }
        }
        if (!served("/gated", "x-block: 1").equals("403")) {
            failures.add("/gated with x-block: expected 403");
        }
        assertThat(failures).isEmpty();

        // mirror: reviews v2 got a copy of /mirrored, its authority suffixed -shadow as Envoy does.
        TestUpstream.Seen copy = v2.nextSeenMatching("/mirrored");
        assertThat(copy.method()).isEqualTo("GET");
        assertThat(copy.header("host")).startsWith("bookinfo.test-shadow");

        // redirect: default 301, path replaced; derivePort FROM_PROTOCOL_DEFAULT drops the port.
        String old = get("web", "bookinfo.test:8080", "/old?x=1");
        assertThat(RawHttp.status(old)).isEqualTo(301);
        assertThat(old.toLowerCase()).contains("location: http://bookinfo.test:8080/new");
        String moved = get("web", "bookinfo.test:8080", "/moved/here");
        assertThat(RawHttp.status(moved)).isEqualTo(301);
        assertThat(moved.toLowerCase()).contains("location: http://other.test/moved/here");

        // retries: one endpoint always 503s, attempts on another endpoint succeed.
        for (int i = 0; i < 6; i++) {
            assertThat(served("/flaky")).isEqualTo("flaky-good GET /flaky");
        }

        // weights 75/25 within tolerance over 400 requests.
        int toV1 = 0;
        int toV2 = 0;
        for (int i = 0; i < 400; i++) {
            String got = served("/split");
            if (got.startsWith("reviews-v1")) {
                toV1++;
            } else if (got.startsWith("reviews-v2")) {
                toV2++;
            }
        }
        assertThat(toV1 + toV2).isEqualTo(400);
        assertThat(toV1).isBetween(255, 345);
    }

    @Test
    void egressFlowOriginatesTlsToTheRouteDestinationWithKeptAliveConnections() throws Exception {
        // Three requests on one client connection (one event loop, so one upstream pool).
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", gateway.engine().port("egress"))) {
            socket.setSoTimeout(5000);
            for (int i = 0; i < 3; i++) {
                socket.getOutputStream().write(("GET /politics HTTP/1.1\r\nHost: edition.cnn.com\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                String response = readResponse(socket.getInputStream());
                assertThat(RawHttp.status(response)).as(response).isEqualTo(200);
                assertThat(response).contains("edition.cnn.com GET /politics");
            }
        }
        assertThat(cnn.tlsHandshakes()).as("upstream TLS connections kept alive").isEqualTo(1);

        // The destination is the route's, never the client's Host: an unknown host gets no route.
        assertThat(RawHttp.status(get("egress", "evil.example.com", "/politics"))).isEqualTo(404);

        // The broken object and the unresolvable destination are reported by name and field.
        String sources = admin("/sources");
        assertThat(sources).contains("VirtualService default/broken").contains("spec.http[0].timeout")
                .contains("nowhere.example.com");
    }

    @Test
    void aManifestChangeIsLiveAndABrokenFileKeepsItsLastObjects() throws Exception {
        swaps.clear();
        write("late.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: late, namespace: bookinfo}
                spec:
                  hosts: [late.test]
                  gateways: [bookinfo-gateway]
                  http:
                    - route: [{destination: {host: ratings}}]
                """);
        assertThat(swaps.poll(5, TimeUnit.SECONDS)).as("a generation with the new VirtualService").isNotNull();
        assertThat(get("web", "late.test", "/x")).contains("ratings GET /x");

        swaps.clear();
        write("late.yaml", "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: [broken\n");
        assertThat(swaps.poll(5, TimeUnit.SECONDS)).as("a generation with the error").isNotNull();
        assertThat(admin("/sources")).contains("late.yaml");
        assertThat(get("web", "late.test", "/x")).contains("ratings GET /x");
    }

    /** One response with a Content-Length body, read off a kept-alive connection. */
    private static String readResponse(java.io.InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(in.readNBytes(length), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private String admin(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.admin().port() + path))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
