package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.pkitesting.X509Bundle;
import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestPki;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.kernel.testing.TlsClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's mutual TLS ingress task through the Istio plugin JAR in offline mode: a Gateway with a MUTUAL
 * server (its client CA in Istio's separate {@code <credentialName>-cacert} Secret) and a SIMPLE server on
 * one {@code https} listener that asks for no client certificate itself. The MUTUAL name requires a client
 * certificate from that CA; the SIMPLE name does not ask for one.
 */
@ExtendWith(NoLeaks.class)
class IstioMutualGatewayTest {

    @TempDir
    Path home;

    private TestUpstream app;
    private Gateway gateway;
    private X509Bundle siteCa;
    private X509Bundle alice;
    private X509Bundle mallory;
    private final BlockingQueue<CompiledConfig> swaps = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        TestInstall install = new TestInstall(home);
        Path manifests = Files.createDirectories(install.conf.resolve("istio"));
        app = TestUpstream.start("httpbin");
        siteCa = TestPki.ca("Site CA");
        X509Bundle clientCa = TestPki.ca("Client CA");
        alice = TestPki.client(clientCa, "alice");
        mallory = TestPki.client(TestPki.ca("Stranger CA"), "mallory");
        X509Bundle fallback = TestPki.server(siteCa, "default.test");
        Files.writeString(install.conf.resolve("default.crt"), TestPki.chainPem(fallback));
        Files.writeString(install.conf.resolve("default.key"), fallback.getPrivateKeyPEM());
        X509Bundle mtls = TestPki.server(siteCa, "mtls.test");
        X509Bundle open = TestPki.server(siteCa, "open.test");
        Files.writeString(manifests.resolve("mutual.yaml"), """
                apiVersion: v1
                kind: Secret
                metadata: {name: mtls-cert, namespace: web}
                type: kubernetes.io/tls
                stringData:
                  tls.crt: |
                %s
                  tls.key: |
                %s
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: mtls-cert-cacert, namespace: web}
                stringData:
                  ca.crt: |
                %s
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: open-cert, namespace: web}
                type: kubernetes.io/tls
                stringData:
                  tls.crt: |
                %s
                  tls.key: |
                %s
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: mygateway, namespace: web}
                spec:
                  selector: {app: tidegate}
                  servers:
                    - port: {number: 443, name: https-mtls, protocol: HTTPS}
                      hosts: [mtls.test]
                      tls: {mode: MUTUAL, credentialName: mtls-cert}
                    - port: {number: 443, name: https-open, protocol: HTTPS}
                      hosts: [open.test]
                      tls: {mode: SIMPLE, credentialName: open-cert}
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: httpbin, namespace: web}
                spec:
                  hosts: [httpbin.web.svc.cluster.local]
                  resolution: STATIC
                  ports: [{number: 8000, name: http, protocol: HTTP}]
                  endpoints: [{address: 127.0.0.1, ports: {http: %d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: httpbin, namespace: web}
                spec:
                  hosts: [mtls.test, open.test]
                  gateways: [mygateway]
                  http:
                    - route: [{destination: {host: httpbin.web.svc.cluster.local}}]
                """.formatted(indent(TestPki.chainPem(mtls)), indent(mtls.getPrivateKeyPEM()),
                indent(clientCa.getCertificatePEM()), indent(TestPki.chainPem(open)), indent(open.getPrivateKeyPEM()),
                app.port()));
        Path config = install.conf.resolve("tidegate.yaml");
        Files.writeString(config, """
                listeners:
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
                    listenerPorts: {"443": [websecure]}
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
        if (app != null) {
            app.close();
        }
    }

    private static String indent(String pem) {
        return pem.strip().lines().map(l -> "    " + l).collect(Collectors.joining("\n"));
    }

    @Test
    void mutualServerRequiresAClientCertificateFromTheCredentialCa() throws Exception {
        assertThat(get(TlsClient.context(siteCa, alice), "mtls.test")).startsWith("HTTP/1.1 200")
                .contains("httpbin GET /status");
        assertThatThrownBy(() -> get(TlsClient.context(siteCa, null), "mtls.test"))
                .as("no client certificate").isInstanceOf(IOException.class);
        assertThatThrownBy(() -> get(TlsClient.context(siteCa, mallory), "mtls.test"))
                .as("a client certificate from another CA").isInstanceOf(IOException.class);
    }

    @Test
    void simpleServerOnTheSameListenerAsksForNoCertificate() throws Exception {
        assertThat(get(TlsClient.context(siteCa, null), "open.test")).startsWith("HTTP/1.1 200")
                .contains("httpbin GET /status");
    }

    /** In TLS 1.3 the server's refusal of a client certificate arrives after the client's handshake ended. */
    private String get(SSLContext ctx, String sni) throws IOException {
        try (TlsClient c = TlsClient.connect(ctx, gateway.engine().port("websecure"), sni)) {
            return c.get(sni, "/status");
        }
    }
}
