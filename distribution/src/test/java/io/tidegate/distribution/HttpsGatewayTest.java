package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.SslContextBuilder;
import io.netty.pkitesting.X509Bundle;
import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.GatewayConfigLoader;
import io.tidegate.kernel.di.KernelComponent;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestPki;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.kernel.testing.TlsClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator's TLS setup end to end, as {@code bin/tidegate run} builds it: an {@code https} listener
 * with a default certificate from {@code tidegate.yaml}, certificates and an HTTPS cluster from the real
 * {@code source-file} plugin JAR, and a certificate renewed on disk while a connection stays open.
 */
@ExtendWith(NoLeaks.class)
class HttpsGatewayTest {

    @TempDir
    Path home;

    private TestInstall install;
    private X509Bundle ca;
    private TestUpstream secureApp;
    private Gateway gateway;
    private final BlockingQueue<CompiledConfig> swaps = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        install = new TestInstall(home);
        ca = TestPki.ca("Operator CA");
        X509Bundle fallback = TestPki.server(ca, "default.test");
        Path tls = Files.createDirectories(install.conf.resolve("tls"));
        Files.writeString(tls.resolve("default.crt"), TestPki.chainPem(fallback));
        Files.writeString(tls.resolve("default.key"), fallback.getPrivateKeyPEM());
        writeShop(TestPki.server(ca, "shop.test"));
        Files.writeString(install.routes.resolve("ca.pem"), ca.getCertificatePEM());
        X509Bundle app = TestPki.server(ca, "app.internal");
        secureApp = TestUpstream.startTls("secure-app", SslContextBuilder.forServer(app.getKeyPair().getPrivate(),
                app.getCertificatePath()).build());
        install.writeRoutes("shop.yaml", """
                certificates:
                  - name: shop
                    certFile: shop.crt
                    keyFile: shop.key
                clusters:
                  - name: secure-app
                    endpoints: [127.0.0.1:%d]
                    tls: {sni: app.internal, caFile: ca.pem}
                routes:
                  - name: shop
                    forward: secure-app
                """.formatted(secureApp.port()));
        Path file = install.conf.resolve("tidegate.yaml");
        Files.writeString(file, """
                listeners:
                  - name: websecure
                    address: 127.0.0.1:0
                    protocol: https
                    tls:
                      certFile: conf/tls/default.crt
                      keyFile: conf/tls/default.key
                admin:
                  address: 127.0.0.1:0
                sources:
                  - id: file
                    paths: [conf/routes.d]
                accessLog:
                  enabled: false
                """);
        GatewayConfig config = new GatewayConfigLoader().load(file, home);
        gateway = KernelComponent.factory().create(config).gateway();
        gateway.reconciler().addSwapListener(swaps::add);
        gateway.start();
        assertThat(swaps.poll(5, TimeUnit.SECONDS)).as("first generation").isNotNull();
    }

    @AfterEach
    void stop() {
        gateway.close();
        secureApp.close();
    }

    /** Writes the shop certificate next to the YAML file, each file replaced atomically. */
    private void writeShop(X509Bundle cert) throws Exception {
        replace(install.routes.resolve("shop.key"), cert.getPrivateKeyPEM());
        replace(install.routes.resolve("shop.crt"), TestPki.chainPem(cert));
    }

    private static void replace(Path file, String text) throws Exception {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static SSLContext client(X509Bundle ca) {
        return TlsClient.context(ca, null);
    }

    @Test
    void servesFileCertificatesBySniAndForwardsOverTls() throws Exception {
        int port = gateway.engine().port("websecure");
        try (TlsClient shop = TlsClient.connect(client(ca), port, "shop.test");
             TlsClient other = TlsClient.connect(client(ca), port, "other.test")) {
            assertThat(shop.serverCn()).isEqualTo("shop.test");
            assertThat(other.serverCn()).isEqualTo("default.test");
            assertThat(shop.get("shop.test", "/cart")).startsWith("HTTP/1.1 200").contains("secure-app GET /cart")
                    .contains("x-forwarded-proto: https");
        }
        assertThat(secureApp.tlsHandshakes()).isEqualTo(1);
    }

    @Test
    void aCertificateRenewedOnDiskReachesNewHandshakesWhileOpenConnectionsKeepWorking() throws Exception {
        int port = gateway.engine().port("websecure");
        try (TlsClient open = TlsClient.connect(client(ca), port, "shop.test")) {
            java.security.cert.X509Certificate before = open.serverLeaf();
            X509Bundle renewed = TestPki.server(ca, "shop.test");
            swaps.clear();
            writeShop(renewed);
            // Two files change, so a reload may see the new key with the old chain first (the old
            // certificate then keeps serving); after each swap, look at what a new handshake gets.
            java.security.cert.X509Certificate served = null;
            for (int i = 0; i < 5 && !renewed.getCertificate().equals(served); i++) {
                assertThat(swaps.poll(5, TimeUnit.SECONDS)).as("a generation after the renewal").isNotNull();
                try (TlsClient fresh = TlsClient.connect(client(ca), port, "shop.test")) {
                    served = fresh.serverLeaf();
                    assertThat(served).isIn(before, renewed.getCertificate());
                }
            }
            assertThat(served).isEqualTo(renewed.getCertificate());
            assertThat(open.serverLeaf()).isEqualTo(before);
            assertThat(open.get("shop.test", "/still")).startsWith("HTTP/1.1 200").contains("secure-app GET /still");
        }
    }
}
