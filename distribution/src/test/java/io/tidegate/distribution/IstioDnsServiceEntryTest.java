package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestDnsServer;
import io.tidegate.kernel.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An Istio ServiceEntry with {@code resolution: DNS} served by the whole gateway (the Istio plugin JAR, the
 * Dagger graph, {@code tidegate.yaml}'s {@code engine.resolver}) follows its name's DNS answers. A
 * {@link TestDnsServer} stands for the site's DNS server; the name's A record moves from an upstream on
 * 127.0.0.2 to one on 127.0.0.3 at the same port. The DestinationRule's {@code maxRequestsPerConnection: 1}
 * makes every request a new upstream connection, so each one asks the resolver's cache (a kept-alive
 * connection to the old address would rightly keep serving until it closed).
 */
@ExtendWith(NoLeaks.class)
class IstioDnsServiceEntryTest {

    private static final String NAME = "api.partner.test";
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path home;

    private TestDnsServer dns;
    private TestUpstream a;
    private TestUpstream b;
    private Gateway gateway;
    private final BlockingQueue<CompiledConfig> swaps = new LinkedBlockingQueue<>();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        a = TestUpstream.startOn("partner-a", "127.0.0.2", 0);
        b = TestUpstream.startOn("partner-b", "127.0.0.3", a.port());
        dns.set(NAME, "127.0.0.2", 1);
        TestInstall install = new TestInstall(home);
        Path manifests = Files.createDirectories(install.conf.resolve("istio"));
        Files.writeString(manifests.resolve("partner.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: partner, namespace: default}
                spec:
                  hosts: [%1$s]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  resolution: DNS
                  endpoints: [{address: %1$s, ports: {http: %2$d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: partner, namespace: default}
                spec:
                  host: %1$s
                  trafficPolicy:
                    connectionPool: {http: {maxRequestsPerConnection: 1}}
                ---
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: default}
                spec:
                  selector: {app: tidegate}
                  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: partner, namespace: default}
                spec:
                  hosts: ["*"]
                  gateways: [edge]
                  http: [{route: [{destination: {host: %1$s, port: {number: 80}}}]}]
                """.formatted(NAME, a.port()));
        Path config = install.conf.resolve("tidegate.yaml");
        Files.writeString(config, """
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                admin:
                  address: 127.0.0.1:0
                plugins:
                  dir: plugins
                engine:
                  resolver:
                    servers: ["127.0.0.1:%d"]
                    searchDomains: []
                    maxTtl: 1s
                sources:
                  - id: istio
                    manifests: [conf/istio]
                    gatewayLabels: {app: tidegate}
                    listenerPorts: {"80": [web]}
                accessLog:
                  enabled: false
                """.formatted(dns.address().getPort()));
        gateway = TestInstall.startGateway(config, home, swaps);
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        a.close();
        b.close();
        dns.close();
    }

    private String get() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gateway.engine().port("web") + "/orders"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        String gatewayAnswer = r.headers().firstValue("x-upstream").isEmpty() ? " " + r.body().strip() : "";
        return r.headers().firstValue("x-upstream").orElse("-") + " " + r.statusCode() + gatewayAnswer;
    }

    private void awaitAnswer(String expected) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        String last;
        while (!(last = get()).equals(expected)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + expected + "' within " + DEADLINE + "; last: " + last);
            }
            Thread.sleep(20); // paces the polling; each request is a new upstream connection and lookup
        }
    }

    @Test
    void aDnsServiceEntryFollowsItsNameAndAnswers503WhileItDoesNotResolve() throws Exception {
        assertThat(get()).isEqualTo("partner-a 200");
        assertThat(dns.aQueries(NAME)).isPositive(); // the engine asked the configured server, not the system's

        dns.set(NAME, "127.0.0.3", 1);
        awaitAnswer("partner-b 200");

        dns.remove(NAME);
        awaitAnswer("- 503 503 Service Unavailable: upstream host not resolved");

        dns.set(NAME, "127.0.0.2", 3600); // a long TTL is capped by maxTtl: 1s
        awaitAnswer("partner-a 200");
        dns.set(NAME, "127.0.0.3", 3600);
        awaitAnswer("partner-b 200");
    }
}
