package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.plugin.PluginHost;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.TestTlsServer;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.plugin.DnsResolver;
import io.tidegate.spi.policy.PolicyFactory;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The egress allowlist end to end: the real {@code policy-egress} JAR loaded by PF4J from a plugins
 * directory, bound globally to a {@code forwardProxy: true} egress listener of the real engine; clients
 * use it as {@code HTTP_PROXY}/{@code HTTPS_PROXY} (the JDK HttpClient with a proxy sends absolute-form
 * requests for http URLs and CONNECT for https ones, as curl -x does). Names resolve through a test hosts
 * table, so a name can be made to resolve to loopback, to a TEST-NET address, or to the cloud metadata
 * address 169.254.169.254 (DNS rebinding).
 */
@ExtendWith(NoLeaks.class)
class EgressGatewayTest {

    @TempDir
    static Path home;

    static TestUpstream upstream;
    static TestTlsServer tls;
    static PluginHost plugins;
    static EngineHarness proxy;
    static EngineHarness audit;
    static Path accessLog;

    static final DnsResolver HOSTS = EngineHarness.hosts(Map.of(
            "app.test", "127.0.0.1",
            "tls.test", "127.0.0.1",
            "other.test", "127.0.0.1",
            "evil.test", "203.0.113.66",
            "rebind.test", "169.254.169.254"));

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.start("up");
        tls = TestTlsServer.start("tls.test", home);
        TestInstall install = new TestInstall(home);
        plugins = new PluginHost(install.plugins);
        plugins.load();
        assertThat(plugins.failures()).isEmpty();
        Map<String, PolicyFactory> factories = Map.of("egress", plugins.policies().get("egress"));

        accessLog = home.resolve("access.log");
        proxy = EngineHarness.startEgress(EngineHarness.defaults(), factories, List.of(egress("""
                mode: deny
                allow:
                  - host: app.test
                    protocols: [http]
                  - host: tls.test
                    protocols: [https]
                  - host: rebind.test
                  # The test's servers live on loopback, which denyLocal blocks unless a CIDR rule names it.
                  - cidr: 127.0.0.1/32
                    ports: [%d, %d]
                """.formatted(upstream.port(), tls.port()))), new EngineHarness.Egress(HOSTS, accessLog));
        proxy.publish(Fragment.of(List.of(), List.of()));
        audit = EngineHarness.startEgress(EngineHarness.defaults(), factories, List.of(egress("""
                audit: true
                allow: [{host: app.test}]
                """)), new EngineHarness.Egress(HOSTS, null));
        audit.publish(Fragment.of(List.of(), List.of()));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        audit.close();
        plugins.close();
        upstream.close();
        tls.close();
    }

    private static GatewayConfig.PluginEntry egress(String yaml) {
        ConfigNode settings = new io.tidegate.kernel.config.SnakeYamlReader().parse("tidegate.yaml", yaml).get(0);
        return new GatewayConfig.PluginEntry("egress", "egress", settings, List.of());
    }

    private static HttpClient client(EngineHarness via) throws Exception {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", via.port())))
                .sslContext(tls.clientContext()).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static HttpResponse<String> get(EngineHarness via, String url) throws Exception {
        return client(via).send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anAllowedHttpUrlGoesThroughTheProxy() throws Exception {
        HttpResponse<String> r = get(proxy, "http://app.test:" + upstream.port() + "/v1/things");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("up GET /v1/things");
    }

    @Test
    void anAllowedHttpsUrlTunnelsARealTlsHandshake() throws Exception {
        HttpResponse<String> r = get(proxy, "https://tls.test:" + tls.port() + "/secure");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("tls tls.test GET /secure");
    }

    @Test
    void aHostOutsideTheAllowlistIs403WithReasonMetricAndAccessLog() throws Exception {
        int before = upstream.requests();
        HttpResponse<String> r = get(proxy, "http://evil.test/exfiltrate");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).isEqualTo("403 Forbidden: egress to evil.test:80 is not allowed (not in the egress allowlist)\n");
        String connect = RawHttp.exchange(proxy.port(),
                "CONNECT evil.test:443 HTTP/1.1\r\nHost: evil.test:443\r\nConnection: close\r\n\r\n", 3000);
        assertThat(RawHttp.status(connect)).isEqualTo(403);
        assertThat(upstream.requests()).isEqualTo(before);
        assertThat(proxy.metrics().scrape())
                .contains("tidegate_egress_denied_total{listener=\"web\",reason=\"not_allowed\"}");
        assertThat(awaitLog("/exfiltrate")).contains("\"status\":403", "\"flag\":\"PD\"",
                "\"reason\":\"egress not_allowed evil.test:80 -> 203.0.113.66\"");
    }

    @Test
    void anAllowedNameResolvingToTheMetadataAddressIsRefused() throws Exception {
        HttpResponse<String> r = get(proxy, "http://rebind.test/latest/meta-data/iam/security-credentials/");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("local or metadata address");
        String connect = RawHttp.exchange(proxy.port(),
                "CONNECT rebind.test:443 HTTP/1.1\r\nHost: rebind.test:443\r\nConnection: close\r\n\r\n", 3000);
        assertThat(RawHttp.status(connect)).isEqualTo(403);
        assertThat(proxy.metrics().scrape())
                .contains("tidegate_egress_denied_total{listener=\"web\",reason=\"local_address\"}");
        assertThat(awaitLog("security-credentials")).contains("\"flag\":\"PD\"",
                "egress local_address rebind.test:80 -> 169.254.169.254", "\"upstream\":\"169.254.169.254:80\"");
    }

    @Test
    void auditModeCountsWouldBeDenialsAndLetsThemThrough() throws Exception {
        // other.test is not allowed, and it resolves to loopback: two would-be denials, both let through.
        HttpResponse<String> r = get(audit, "http://other.test:" + upstream.port() + "/audited");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("up GET /audited");
        String metrics = audit.metrics().scrape();
        assertThat(metrics).contains("tidegate_egress_audit_total{listener=\"web\",reason=\"not_allowed\"} 1")
                .contains("tidegate_egress_audit_total{listener=\"web\",reason=\"local_address\"} 1")
                .doesNotContain("tidegate_egress_denied_total{");
    }

    @Test
    void theShippedExampleLoadsAndItsPolicySettingsAreValid() throws Exception {
        Path example = Path.of(System.getProperty("tidegate.examples", "../config/examples")).resolve("egress.yaml");
        GatewayConfig config = new io.tidegate.kernel.config.GatewayConfigLoader().load(example, home);
        assertThat(config.listeners()).filteredOn(GatewayConfig.ListenerConfig::forwardProxy).hasSize(1);
        GatewayConfig.PluginEntry entry = config.policies().get(0);
        assertThat(entry.id()).isEqualTo("egress");
        try (var context = new io.tidegate.kernel.plugin.KernelPluginContext(new io.tidegate.kernel.metrics.MetricsRegistry(),
                config.spiListeners(), home, java.time.Clock.systemUTC())) {
            assertThat(plugins.policies().get("egress").create(entry.settings(), context)).isNotNull();
        }
    }

    /** The first access log line containing {@code needle}, waiting for the log's writer thread. */
    private static String awaitLog(String needle) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(accessLog)) {
                for (String line : Files.readAllLines(accessLog)) {
                    if (line.contains(needle)) {
                        return line;
                    }
                }
            }
            Thread.sleep(20); // polling a file another thread appends to, with a deadline
        }
        throw new AssertionError("no access log line with " + needle);
    }
}
