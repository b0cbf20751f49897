package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.GatewayConfigLoader;
import io.tidegate.kernel.di.KernelComponent;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestUpstream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole gateway as {@code bin/tidegate run} builds it from a {@code tidegate.yaml} with a
 * {@code forwardProxy: true} egress listener and the {@code egress} policy from its JAR, resolving
 * names with the engine's real asynchronous DNS resolver (hosts file first: {@code localhost}). Clients:
 * the JDK HttpClient with a proxy, and the real {@code curl -x} when the machine has curl.
 */
@ExtendWith(NoLeaks.class)
class EgressProxyGatewayTest {

    @TempDir
    Path home;

    private TestUpstream upstream;
    private io.tidegate.kernel.testing.TestTlsServer tls;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        TestInstall install = new TestInstall(home);
        upstream = TestUpstream.start("up");
        tls = io.tidegate.kernel.testing.TestTlsServer.start("localhost", home);
        int admin = TestInstall.freePort();
        Path file = install.conf.resolve("tidegate.yaml");
        Files.writeString(file, """
                listeners:
                  - name: egress
                    address: 127.0.0.1:0
                    role: egress
                    forwardProxy: true
                admin:
                  address: 127.0.0.1:%d
                plugins:
                  dir: plugins
                sources:
                  - id: file
                    paths: [conf/routes.d]
                policies:
                  - id: egress
                    allow:
                      - host: localhost
                        ports: [%d]
                      # localhost resolves to loopback, which denyLocal refuses unless a CIDR rule names it
                      - cidr: 127.0.0.1/32
                        ports: [%d, %d]
                accessLog:
                  enabled: false
                """.formatted(admin, upstream.port(), upstream.port(), tls.port()));
        GatewayConfig config = new GatewayConfigLoader().load(file, home);
        gateway = KernelComponent.factory().create(config).gateway();
        BlockingQueue<CompiledConfig> swaps = new LinkedBlockingQueue<>();
        gateway.reconciler().addSwapListener(swaps::add);
        gateway.start();
        assertThat(swaps.poll(5, TimeUnit.SECONDS)).as("first generation").isNotNull();
    }

    @AfterEach
    void stop() {
        gateway.close();
        upstream.close();
        tls.close();
    }

    private int proxyPort() {
        return gateway.engine().port("egress");
    }

    @Test
    void anAllowedNameResolvedByTheEngineIsForwardedAndLoopbackElseIsRefused() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", proxyPort())))
                .connectTimeout(Duration.ofSeconds(5)).build();

        HttpResponse<String> ok = client.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + upstream.port() + "/through")).build(), HttpResponse.BodyHandlers.ofString());
        // The admin API on loopback is the classic SSRF target: localhost is allowed only on the upstream's port,
        // and 127.0.0.1 by address is a local address (denyLocal).
        HttpResponse<String> admin = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gateway.admin().port() + "/config")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> otherPort = client.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + gateway.admin().port() + "/config")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).startsWith("up GET /through");
        assertThat(admin.statusCode()).isEqualTo(403);
        assertThat(admin.body()).contains("local or metadata address");
        assertThat(otherPort.statusCode()).isEqualTo(403);
    }

    @Test
    void curlWithDashXWorksThroughTheProxy() throws Exception {
        Path curl = Path.of("/usr/bin/curl");
        Assumptions.assumeTrue(Files.isExecutable(curl), "curl is not installed");
        Process p = new ProcessBuilder(List.of(curl.toString(), "-sS", "--max-time", "10",
                "-x", "http://127.0.0.1:" + proxyPort(), "http://localhost:" + upstream.port() + "/curl"))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).startsWith("up GET /curl");
        assertThat(upstream.nextSeenMatching("/curl").header("host")).isEqualTo("localhost:" + upstream.port());

        // https: curl sends CONNECT localhost:PORT and does the TLS handshake through the tunnel.
        Path ca = tls.writeCertificatePem(home.resolve("ca.pem"));
        Process https = new ProcessBuilder(List.of(curl.toString(), "-sS", "--max-time", "10", "--cacert", ca.toString(),
                "-x", "http://127.0.0.1:" + proxyPort(), "https://localhost:" + tls.port() + "/curl-tls"))
                .redirectErrorStream(true).start();
        String secure = new String(https.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(https.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(https.exitValue()).as(secure).isZero();
        assertThat(secure).isEqualTo("tls localhost GET /curl-tls");

        Process denied = new ProcessBuilder(List.of(curl.toString(), "-sS", "--max-time", "10", "-o", "/dev/null",
                "-w", "%{http_code}", "-x", "http://127.0.0.1:" + proxyPort(), "http://localhost:1/"))
                .redirectErrorStream(true).start();
        String code = new String(denied.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(denied.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(code).isEqualTo("403");
    }
}
