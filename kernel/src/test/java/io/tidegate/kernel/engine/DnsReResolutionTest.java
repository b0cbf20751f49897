package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.ResolverSettings;
import io.tidegate.kernel.plugin.KernelPluginContext;
import io.tidegate.kernel.metrics.MetricsRegistry;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.TestDnsServer;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.HealthCheck;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import java.net.InetAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A DNS cluster follows its name's DNS answers: a real UDP DNS server ({@link TestDnsServer}) names one of
 * two real upstreams bound to 127.0.0.2 and 127.0.0.3 at the same port, so only the A record tells them apart.
 *
 * <p>The cluster closes each upstream connection after one request ({@code maxRequestsPerConnection: 1}):
 * a pooled keep-alive connection to the old address would otherwise keep serving, correctly, until it idles
 * out, and the test is about where <em>new</em> connections go. Every new connection asks the resolver, which
 * answers from its cache until the record's TTL (bounded by {@code engine.resolver.maxTtl}) runs out.
 */
@ExtendWith(NoLeaks.class)
class DnsReResolutionTest {

    private static final Provenance ORIGIN = Provenance.of("test", "DnsReResolutionTest");
    private static final String NAME = "backend.dns.test";
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    TestDnsServer dns;
    TestUpstream a;
    TestUpstream b;
    EngineHarness gateway;

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        a = TestUpstream.startOn("a", "127.0.0.2", 0);
        b = TestUpstream.startOn("b", "127.0.0.3", a.port());
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

    void startGateway(Duration maxTtl) throws InterruptedException {
        startGateway(maxTtl, null);
    }

    void startGateway(Duration maxTtl, HealthCheck healthCheck) throws InterruptedException {
        ResolverSettings resolver = ResolverSettings.SYSTEM.withServer(dns.address())
                .withTtl(Duration.ZERO, maxTtl, Duration.ZERO);
        gateway = EngineHarness.start(new GatewayConfig.EngineConfig(2, "auto", null, null, resolver));
        Cluster cluster = new Cluster("svc", List.of(Endpoint.of(NAME, a.port())), Cluster.Resolution.DNS,
                Cluster.UpstreamProtocol.HTTP1, LoadBalancer.ROUND_ROBIN, null, null,
                new ConnectionLimits(0, 0, 0, 0, 1), null, healthCheck, null, ORIGIN.withRule("svc"));
        gateway.publish(Fragment.of(List.of(Route.builder("all", ORIGIN.withRule("all")).forwardTo("svc").build()),
                List.of(cluster)));
    }

    HttpResponse<String> get() throws Exception {
        return gateway.client().send(HttpRequest.newBuilder(gateway.uri("/work")).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static String upstream(HttpResponse<String> r) {
        return r.headers().firstValue("x-upstream").orElse("-") + " " + r.statusCode();
    }

    /** Sends requests until one satisfies {@code until}: polls the gateway, the condition is what we wait for. */
    HttpResponse<String> requestUntil(Predicate<HttpResponse<String>> until, String what) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            HttpResponse<String> r = get();
            if (until.test(r)) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within " + DEADLINE + "; last: " + upstream(r) + " "
                        + r.body());
            }
            Thread.sleep(20); // paces the polling; each request is a fresh upstream connection and lookup
        }
    }

    @Test
    void newConnectionsFollowAChangedRecordOnceItsTtlExpires() throws Exception {
        dns.set(NAME, "127.0.0.2", 1);
        startGateway(ResolverSettings.UNBOUNDED_TTL);
        assertThat(upstream(get())).isEqualTo("a 200");
        assertThat(dns.aQueries(NAME)).isPositive();

        dns.set(NAME, "127.0.0.3", 1);
        requestUntil(r -> upstream(r).equals("b 200"), "request reaching b");
        int aBefore = a.requests();
        for (int i = 0; i < 10; i++) {
            assertThat(upstream(get())).isEqualTo("b 200");
        }
        assertThat(a.requests()).isEqualTo(aBefore); // nothing goes back to the old address
    }

    @Test
    void aNameWithSeveralAddressesSpreadsNewConnectionsOverThem() throws Exception {
        dns.set(NAME, List.of("127.0.0.2", "127.0.0.3"), 3600);
        startGateway(ResolverSettings.UNBOUNDED_TTL);
        // maxRequestsPerConnection 1: each request is a new upstream connection, with its own pick.
        for (int i = 0; i < 40; i++) {
            assertThat(get().statusCode()).isEqualTo(200);
        }
        assertThat(a.requests()).as("connections to the first address").isBetween(5, 35);
        assertThat(b.requests()).as("connections to the second address").isBetween(5, 35);
    }

    @Test
    void aLongTtlIsHonouredFromTheCache() throws Exception {
        dns.set(NAME, "127.0.0.2", 3600);
        startGateway(ResolverSettings.UNBOUNDED_TTL);
        // Each event loop has its own resolver and cache; new client connections take the loops in turn, so
        // a few of them fill both caches.
        for (int i = 0; i < 4; i++) {
            assertThat(onNewConnection()).isEqualTo("a");
        }
        int queries = dns.aQueries(NAME);
        assertThat(queries).isPositive();
        dns.set(NAME, "127.0.0.3", 3600);
        for (int i = 0; i < 20; i++) {
            assertThat(onNewConnection()).isEqualTo("a"); // cached for an hour: the change is not seen yet
        }
        assertThat(dns.aQueries(NAME)).isEqualTo(queries);
        assertThat(a.connections()).isGreaterThanOrEqualTo(24); // new upstream connections, to the cached address
    }

    /** One request on a new client connection (the gateway closes it after the response): its x-upstream. */
    String onNewConnection() throws Exception {
        String raw = RawHttp.exchange(gateway.port(), "GET /work HTTP/1.1\r\nHost: dns.test\r\n"
                + "Connection: close\r\n\r\n", 10_000);
        assertThat(RawHttp.status(raw)).as(raw).isEqualTo(200);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?im)^x-upstream: *(\\S+)").matcher(raw);
        return m.find() ? m.group(1) : "-";
    }

    @Test
    void maxTtlCapsALongTtlSoAChangeIsFollowedWithinIt() throws Exception {
        dns.set(NAME, "127.0.0.2", 3600);
        startGateway(Duration.ofSeconds(1));
        assertThat(upstream(get())).isEqualTo("a 200");

        dns.set(NAME, "127.0.0.3", 3600);
        requestUntil(r -> upstream(r).equals("b 200"), "request reaching b despite the 1h TTL");
        assertThat(dns.aQueries(NAME)).isGreaterThan(1);
    }

    @Test
    void aNameThatStopsResolvingAnswers503AndRecoversWhenItResolvesAgain() throws Exception {
        dns.set(NAME, "127.0.0.2", 1);
        startGateway(ResolverSettings.UNBOUNDED_TTL);
        assertThat(upstream(get())).isEqualTo("a 200");

        dns.remove(NAME); // NXDOMAIN from now on
        HttpResponse<String> failed = requestUntil(r -> r.statusCode() != 200, "failed request");
        assertThat(failed.statusCode()).isEqualTo(503);
        assertThat(failed.body()).contains("upstream host not resolved");
        assertThat(upstream(get())).isEqualTo("- 503"); // stays so while the name does not resolve

        dns.set(NAME, "127.0.0.3", 1);
        requestUntil(r -> upstream(r).equals("b 200"), "recovery once the name resolves again");
    }

    @Test
    void healthChecksResolveTheNameForEachCheck() throws Exception {
        a.failWith(503); // the old address fails its checks, the new one passes them
        dns.set(NAME, "127.0.0.2", 1);
        startGateway(ResolverSettings.UNBOUNDED_TTL, new HealthCheck(HealthCheck.Kind.HTTP, "/healthz", null,
                Set.of(), Duration.ofMillis(50), Duration.ofSeconds(2), 2, 2));
        awaitMetric("tidegate_health_transitions_total{cluster=\"svc\",state=\"unhealthy\"} 1");

        dns.set(NAME, "127.0.0.3", 1);
        // Checks on fresh connections resolve again: once they reach b, the endpoint (the name) is healthy.
        awaitMetric("tidegate_health_transitions_total{cluster=\"svc\",state=\"healthy\"} 1");
        assertThat(b.requests()).isGreaterThanOrEqualTo(2);
        requestUntil(r -> upstream(r).equals("b 200"), "request reaching b"); // a's last cached answer may linger 1s
    }

    void awaitMetric(String line) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!gateway.metrics().scrape().contains(line)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + line + "' within " + DEADLINE + ": " + gateway.metrics().scrape());
            }
            Thread.sleep(10); // polls a counter the event loops update; the condition is what we wait for
        }
    }

    @Test
    void pluginsResolveWithTheSameSettings() throws Exception {
        dns.set(NAME, "127.0.0.2", 1);
        try (KernelPluginContext context = new KernelPluginContext(new MetricsRegistry(), List.of(), Path.of("."),
                Clock.systemUTC(), ResolverSettings.SYSTEM.withServer(dns.address()))) {
            List<InetAddress> resolved = context.dns().resolveAll(NAME).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            assertThat(resolved).extracting(InetAddress::getHostAddress).containsExactly("127.0.0.2");
            assertThat(dns.aQueries(NAME)).isEqualTo(1);
        }
    }
}
