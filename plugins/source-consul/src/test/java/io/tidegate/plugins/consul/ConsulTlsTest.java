package io.tidegate.plugins.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.plugins.consul.testing.ConsulTestServer;
import io.tidegate.plugins.consul.testing.TestCertificates;
import io.tidegate.spi.source.ConfigSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS to the agent, for real: {@link ConsulTestServer} serving HTTPS (standing for a Consul agent with
 * {@code verify_incoming}, its certificates made by keytool) and the source's client presenting a PEM
 * client certificate.
 */
class ConsulTlsTest {

    private static final Duration T = Duration.ofSeconds(10);

    @TempDir
    static Path certs;

    private static TestCertificates.KeyPair server;
    private static TestCertificates.KeyPair client;
    private static TestCertificates.KeyPair stranger;

    private ConsulTestServer consul;
    private TestContext context;
    private ConfigSource source;
    private final RecordingSink sink = new RecordingSink();

    @BeforeAll
    static void certificates() throws Exception {
        server = TestCertificates.create(certs, "consul-server");
        client = TestCertificates.create(certs, "tidegate-client");
        stranger = TestCertificates.create(certs, "stranger");
    }

    @AfterEach
    void tearDown() {
        if (source != null) {
            source.close();
        }
        if (context != null) {
            context.close();
        }
        consul.close();
    }

    private void start(boolean needClientAuth, String tls) throws Exception {
        consul = ConsulTestServer.startHttps(TestCertificates.serverContext(server, List.of(client)), needClientAuth);
        consul.register("web", "web-1", "10.0.0.1", 8080);
        context = new TestContext(certs);
        source = new ConsulSourceFactory().create("consul", TestContext.settings("""
                address: %s
                wait: 1s
                backoff: {initial: 50ms, max: 200ms}
                debounce: 10ms
                tls: %s
                """.formatted(consul.address(), tls)), context);
        source.start(sink);
    }

    @Test
    void mutualTlsWithPemFiles() throws Exception {
        start(true, "{caFile: %s, certFile: %s, keyFile: %s}".formatted(server.certPem(), client.certPem(),
                client.keyPem()));
        assertThat(sink.awaitPublish(0, f -> f.clusters().size() == 2, T)).isNotNull();
        assertThat(sink.unavailable()).isEmpty();
    }

    @Test
    void withoutAClientCertificateTheAgentRefusesAndTheSourceSaysSo() throws Exception {
        start(true, "{caFile: %s}".formatted(server.certPem()));
        sink.awaitUnavailable("catalog services", T);
        assertThat(sink.published()).isEmpty();
    }

    @Test
    void anAgentCertificateNotSignedByTheCaIsRefused() throws Exception {
        start(false, "{caFile: %s}".formatted(stranger.certPem()));
        String reason = sink.awaitUnavailable("catalog services", T);
        assertThat(reason.toLowerCase()).containsAnyOf("certif", "pkix", "trust");
        assertThat(sink.published()).isEmpty();
    }

    @Test
    void verifyFalseAcceptsAnyAgentCertificate() throws Exception {
        start(false, "{verify: false}");
        assertThat(sink.awaitPublish(0, f -> f.clusters().size() == 2, T)).isNotNull();
    }
}
