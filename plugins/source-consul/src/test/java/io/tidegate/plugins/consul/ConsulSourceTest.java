package io.tidegate.plugins.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.plugins.consul.testing.ConsulTestServer;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.source.ConfigSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source against {@link ConsulTestServer} (standing for a Consul agent) through the real client
 * library, with a {@link RecordingSink} standing for the kernel's reconciler.
 */
class ConsulSourceTest {

    private static final Duration T = Duration.ofSeconds(5);
    private static final String WEB = "/v1/health/service/web";

    @TempDir
    Path home;

    private ConsulTestServer consul;
    private TestContext context;
    private ConfigSource source;
    private final RecordingSink sink = new RecordingSink();

    @BeforeEach
    void setUp() throws Exception {
        consul = ConsulTestServer.start();
        context = new TestContext(home);
    }

    @AfterEach
    void tearDown() {
        if (source != null) {
            source.close();
        }
        context.close();
        consul.close();
    }

    private void start(String extra) {
        String yaml = """
                address: %s
                wait: 1s
                backoff: {initial: 20ms, max: 200ms}
                minQueryInterval: 0ms
                debounce: 10ms
                %s
                """.formatted(consul.address(), extra);
        source = new ConsulSourceFactory().create("consul", TestContext.settings(yaml), context);
        source.start(sink);
    }

    private static Optional<Cluster> cluster(Fragment f, String name) {
        return f.clusters().stream().filter(c -> c.name().equals(name)).findFirst();
    }

    private static List<String> endpoints(Fragment f, String name) {
        return cluster(f, name).map(c -> c.endpoints().stream().map(e -> e.address().toString()).sorted()
                .collect(Collectors.toList())).orElse(null);
    }

    private static boolean hasEndpoints(Fragment f, String name, String... addresses) {
        List<String> got = endpoints(f, name);
        return got != null && got.equals(List.of(addresses));
    }

    @Test
    void publishesOneClusterPerServiceWithPassingInstancesOnly() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 8080);
        consul.register("web", "web-2", "10.0.0.2", 8080);
        consul.setCheck("web-2", "critical");
        consul.register("consul", "consul", "10.0.0.9", 8300); // the servers' own entry: not watched by default
        start("");

        Fragment first = sink.awaitPublish(0, f -> true, T);
        assertThat(endpoints(first, "web.service.consul:8080")).containsExactly("10.0.0.1:8080");
        assertThat(first.clusters()).extracting(Cluster::name)
                .containsExactly("web.service.consul", "web.service.consul:8080");
        assertThat(endpoints(first, "web.service.consul")).containsExactly("10.0.0.1:8080");
        // ?passing is asked for: the agent filters.
        assertThat(consul.requests()).anySatisfy(r -> {
            assertThat(r.path()).isEqualTo(WEB);
            assertThat(r.query()).containsKey("passing");
        });
    }

    @Test
    void followsInstancesAddedRemovedTurningCriticalAndBack() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 8080);
        start("");
        sink.awaitPublish(0, f -> hasEndpoints(f, "web.service.consul:8080", "10.0.0.1:8080"), T);
        consul.awaitHeld(WEB, consul.healthIndex("web"), T);

        consul.register("web", "web-2", "10.0.0.2", 8080);
        int n = sink.published().size();
        sink.awaitPublish(n, f -> hasEndpoints(f, "web.service.consul:8080", "10.0.0.1:8080", "10.0.0.2:8080"), T);

        consul.setCheck("web-1", "critical");
        n = sink.published().size();
        sink.awaitPublish(n, f -> hasEndpoints(f, "web.service.consul:8080", "10.0.0.2:8080"), T);

        consul.setCheck("web-1", "passing");
        n = sink.published().size();
        sink.awaitPublish(n, f -> hasEndpoints(f, "web.service.consul:8080", "10.0.0.1:8080", "10.0.0.2:8080"), T);

        consul.deregister("web-2");
        n = sink.published().size();
        sink.awaitPublish(n, f -> hasEndpoints(f, "web.service.consul:8080", "10.0.0.1:8080"), T);

        // Every instance gone: the service leaves the catalog and its cluster goes with it.
        consul.deregister("web-1");
        n = sink.published().size();
        sink.awaitPublish(n, f -> f.clusters().isEmpty(), T);
    }

    @Test
    void aCriticalLastInstanceLeavesTheClusterEmptyNotGone() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 8080, "tidegate.host=web.example.com");
        start("");
        sink.awaitPublish(0, f -> hasEndpoints(f, "web.service.consul:8080", "10.0.0.1:8080"), T);
        consul.setCheck("web-1", "critical");
        Fragment f = sink.awaitPublish(1, x -> hasEndpoints(x, "web.service.consul:8080"), T);
        // The route still targets the (empty) cluster: 503, not a fall-through to another route.
        assertThat(f.routes()).extracting(Route::name).containsExactly("web.service.consul");
    }

    @Test
    void aWaitThatExpiresWithoutAChangeIsNoUpdate() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 8080);
        start("");
        sink.awaitPublish(0, f -> true, T);
        long index = consul.healthIndex("web");
        ConsulTestServer.Seen held = awaitHeldSeen(index);
        assertThat(held.query()).containsEntry("wait", "1s");
        // A write elsewhere bumps the raft index but not this query's: nothing may change.
        consul.unrelatedWrite();
        // Two more blocking queries with the same index: the first wait expired and was answered.
        consul.awaitRequests(WEB, (int) countOf(WEB) + 1, T);
        assertThat(consul.requests().stream().filter(r -> r.path().equals(WEB)).reduce((a, b) -> b).orElseThrow().index())
                .isEqualTo(index);
        assertThat(sink.published()).hasSize(1);
        assertThat(sink.unavailable()).isEmpty();
    }

    private ConsulTestServer.Seen awaitHeldSeen(long index) throws InterruptedException {
        return consul.awaitHeld(WEB, index, T);
    }

    private long countOf(String path) {
        return consul.requests().stream().filter(r -> r.path().equals(path)).count();
    }

    @Test
    void anIndexGoingBackwardsResetsToZeroAndTheNewStateIsTaken() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 8080);
        for (int i = 0; i < 20; i++) {
            consul.unrelatedWrite();
        }
        consul.register("web", "web-2", "10.0.0.2", 8080);
        start("");
        sink.awaitPublish(0, f -> hasEndpoints(f, "web.service.consul:8080", "10.0.0.1:8080", "10.0.0.2:8080"), T);
        long high = consul.healthIndex("web");
        consul.awaitHeld(WEB, high, T);
        int before = consul.requests().size();

        consul.restoreIndex(5); // an older snapshot: the index drops below what the client holds
        consul.deregister("web-2"); // index 6 < high: the held query waits until its wait expires

        Fragment f = sink.awaitPublish(1, x -> hasEndpoints(x, "web.service.consul:8080", "10.0.0.1:8080"), T);
        assertThat(f).isNotNull();
        List<ConsulTestServer.Seen> after = consul.requests().subList(before, consul.requests().size()).stream()
                .filter(r -> r.path().equals(WEB)).toList();
        // After the backwards answer: a non-blocking query (index 0), then blocking on the new, lower index.
        consul.awaitHeld(WEB, 6, T);
        List<ConsulTestServer.Seen> web = consul.requests().stream().filter(r -> r.path().equals(WEB)).toList();
        int reset = -1;
        for (int i = 0; i < web.size(); i++) {
            if (web.get(i).index() == 0 && i > 0) {
                reset = i;
            }
        }
        assertThat(reset).as("a query with index 0 after the reset; queries: " + web).isPositive();
        assertThat(web.get(reset + 1).index()).isBetween(6L, high - 1);
        assertThat(after).isNotEmpty();
    }

    @Test
    void anIndexOfZeroIsNeverUsedToBlockAndTheLoopDoesNotSpin() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 8080);
        consul.reportZeroIndex(true); // every answer says X-Consul-Index: 0 (the bug Consul's docs describe)
        source = new ConsulSourceFactory().create("consul", TestContext.settings("""
                address: %s
                wait: 1s
                minQueryInterval: 100ms
                debounce: 10ms
                """.formatted(consul.address())), context);
        source.start(sink);
        sink.awaitPublish(0, f -> true, T);
        consul.awaitRequests(WEB, 6, T);
        List<ConsulTestServer.Seen> web = consul.requests().stream().filter(r -> r.path().equals(WEB)).toList();
        // The first query asks for the current state (no index); every later one blocks with index 1, never 0.
        assertThat(web.get(0).query()).doesNotContainKey("index");
        assertThat(web.subList(1, web.size())).allSatisfy(r -> assertThat(r.index()).isEqualTo(1));
        // Such answers return at once; the churn limit keeps queries apart instead of spinning.
        // (Measured at the agent, so averaged: one arrival may lag its start by a connection set-up.)
        long spanMs = (web.get(web.size() - 1).atNanos() - web.get(1).atNanos()) / 1_000_000;
        assertThat(spanMs / (web.size() - 2)).as("ms between queries").isGreaterThanOrEqualTo(80);
        assertThat(sink.published()).as("the same state is not published again").hasSize(1);

        consul.reportZeroIndex(false);
        consul.register("web", "web-2", "10.0.0.2", 8080);
        sink.awaitPublish(1, x -> hasEndpoints(x, "web.service.consul:8080", "10.0.0.1:8080", "10.0.0.2:8080"), T);
    }

    @Test
    void rapidChurnEndsInTheFinalStateWithFewPublishes() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 8080);
        source = new ConsulSourceFactory().create("consul", TestContext.settings("""
                address: %s
                wait: 1s
                minQueryInterval: 50ms
                debounce: 100ms
                """.formatted(consul.address())), context);
        source.start(sink);
        sink.awaitPublish(0, f -> true, T);
        consul.awaitHeld(WEB, consul.healthIndex("web"), T);
        int queriesBefore = (int) countOf(WEB);
        for (int i = 0; i < 200; i++) {
            consul.setCheck("web-1", i % 2 == 0 ? "critical" : "passing");
        }
        consul.register("web", "web-2", "10.0.0.2", 8080);
        sink.awaitPublish(1, f -> hasEndpoints(f, "web.service.consul:8080", "10.0.0.1:8080", "10.0.0.2:8080"), T);
        // 201 changes cost a handful of queries and publishes, not hundreds.
        assertThat(countOf(WEB) - queriesBefore).isLessThan(40);
        assertThat(sink.published().size()).isLessThan(20);
    }

    @Test
    void http500KeepsTheLastGoodStateReportsUnavailableAndRecovers() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 8080);
        start("");
        sink.awaitPublish(0, f -> hasEndpoints(f, "web.service.consul:8080", "10.0.0.1:8080"), T);
        consul.awaitHeld(WEB, consul.healthIndex("web"), T);

        consul.failNext(6, 500);
        String reason = sink.awaitUnavailable("500", T);
        assertThat(reason).contains(consul.address().toString()).contains("last good state kept");
        int published = sink.published().size();
        // Backoff, then the agent answers again: the state is published again (clearing the report).
        consul.register("web", "web-2", "10.0.0.2", 8080);
        Fragment f = sink.awaitPublish(published, x -> hasEndpoints(x, "web.service.consul:8080",
                "10.0.0.1:8080", "10.0.0.2:8080"), T);
        assertThat(f).isNotNull();
        assertThat(sink.published().subList(0, published)).allSatisfy(x ->
                assertThat(endpoints(x, "web.service.consul:8080")).containsExactly("10.0.0.1:8080"));
    }

    @Test
    void droppedConnectionsAndAnAgentThatIsDownKeepTheLastGoodState() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 8080);
        start("");
        sink.awaitPublish(0, f -> true, T);
        consul.awaitHeld(WEB, consul.healthIndex("web"), T);

        consul.dropNext(3);
        consul.setDown(true); // held queries drop too
        sink.awaitUnavailable("health of service web", T);
        int published = sink.published().size();
        assertThat(sink.published()).allSatisfy(x -> assertThat(endpoints(x, "web.service.consul:8080"))
                .containsExactly("10.0.0.1:8080"));

        consul.setDown(false);
        // Recovery republishes the unchanged state, which clears the report at /sources.
        sink.awaitPublish(published, x -> hasEndpoints(x, "web.service.consul:8080", "10.0.0.1:8080"), T);
    }

    @Test
    void anAgentDownAtStartPublishesNothingUntilItAnswers() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 8080);
        consul.setDown(true);
        start("");
        sink.awaitUnavailable("catalog services", T);
        assertThat(sink.published()).isEmpty();
        consul.setDown(false);
        sink.awaitPublish(0, f -> hasEndpoints(f, "web.service.consul:8080", "10.0.0.1:8080"), T);
    }

    @Test
    void tokenDatacenterAndNamespaceTravelWithEveryQuery() throws Exception {
        consul.requireToken("s3cr3t-token");
        consul.register("web", "web-1", "10.0.0.1", 8080);
        start("token: s3cr3t-token\ndatacenter: dc1\nnamespace: team-a\npartition: part-1");
        sink.awaitPublish(0, f -> true, T);
        assertThat(consul.requests()).isNotEmpty().allSatisfy(r -> {
            assertThat(r.token()).isEqualTo("s3cr3t-token");
            assertThat(r.query()).containsEntry("dc", "dc1").containsEntry("ns", "team-a")
                    .containsEntry("partition", "part-1").doesNotContainKey("token");
        });
    }

    @Test
    void aWrongTokenIsReportedWithoutTheToken() throws Exception {
        consul.requireToken("right");
        consul.register("web", "web-1", "10.0.0.1", 8080);
        start("token: wrong-token-value");
        String reason = sink.awaitUnavailable("403", T);
        assertThat(reason).doesNotContain("wrong-token-value");
    }

    @Test
    void kvRoutesAreWatchedAndAMalformedKeyIsRejectedAlone() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 8080);
        start("kvPrefix: tidegate/routes/");
        // An empty prefix is a 404 with an index: no routes, still loaded.
        Fragment first = sink.awaitPublish(0, f -> true, T);
        assertThat(first.routes()).isEmpty();
        // The 404 carried an index: the next query blocks on it rather than spinning.
        consul.awaitHeld("/v1/kv/tidegate/routes/", 2, T);

        consul.putKv("tidegate/routes/api", """
                routes:
                  - name: api
                    hosts: [api.example.com]
                    match: {path: {prefix: /v1}}
                    forward: web.service.consul:8080
                    rewrite: {prefix: /}
                """);
        Fragment f = sink.awaitPublish(1, x -> x.routes().size() == 1, T);
        Route api = f.routes().get(0);
        assertThat(api.name()).isEqualTo("api");
        assertThat(api.provenance().toString()).isEqualTo("consul:KV tidegate/routes/api#routes[0]");

        consul.putKv("tidegate/routes/broken", "routes:\n  - name: bad\n    forwrd: web\n");
        int n = sink.published().size();
        Fragment g = sink.awaitPublish(n, x -> !x.diagnostics().isEmpty(), T);
        assertThat(g.routes()).extracting(Route::name).containsExactly("api");
        Diagnostic d = g.diagnostics().get(0);
        assertThat(d.severity()).isEqualTo(Diagnostic.Severity.ERROR);
        assertThat(d.object().object()).isEqualTo("KV tidegate/routes/broken");
        assertThat(d.message()).contains("consul-kv:tidegate/routes/broken:3").contains("forwrd");

        // A good key turning bad keeps its previous version, with the error.
        consul.putKv("tidegate/routes/api", "routes: [unclosed\n");
        n = sink.published().size();
        Fragment h = sink.awaitPublish(n, x -> x.diagnostics().size() == 2, T);
        assertThat(h.routes()).extracting(Route::name).containsExactly("api");
        assertThat(h.diagnostics()).anySatisfy(x -> assertThat(x.message()).contains("previous version"));

        consul.deleteKv("tidegate/routes/api");
        consul.deleteKv("tidegate/routes/broken");
        n = sink.published().size();
        sink.awaitPublish(n, x -> x.routes().isEmpty() && x.diagnostics().isEmpty(), T);
    }

    @Test
    void tagRoutesAndAMalformedTagRejectOnlyThatServicesRoute() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 8080, "tidegate.host=web.example.com", "tidegate.path=/shop",
                "tidegate.strip-prefix=true");
        consul.register("api", "api-1", "10.0.0.3", 9000, "tidegate.path=no-slash");
        start("");
        Fragment f = sink.awaitPublish(0, x -> x.clusters().size() == 4, T);
        assertThat(f.routes()).extracting(Route::name).containsExactly("web.service.consul");
        assertThat(f.clusters()).extracting(Cluster::name).containsExactly("api.service.consul",
                "api.service.consul:9000", "web.service.consul", "web.service.consul:8080");
        assertThat(f.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.object().object()).isEqualTo("Service api");
            assertThat(d.field()).isEqualTo("Tags[tidegate.path=no-slash]");
            assertThat(d.message()).contains("service api");
        });
    }

    @Test
    void warningInstancesOnlyWhenAskedWithTheirWarningWeight() throws Exception {
        consul.register("web", "web-1", "node-1", "10.0.0.1", "", 8080, List.of("v1"), java.util.Map.of("version", "1"), 5, 2);
        consul.register("web", "web-2", "10.0.0.2", 8080);
        consul.setCheck("web-1", "warning");
        start("includeWarning: true");
        Fragment f = sink.awaitPublish(0, x -> true, T);
        Cluster web = cluster(f, "web.service.consul:8080").orElseThrow();
        assertThat(web.endpoints()).hasSize(2);
        Endpoint warned = web.endpoints().stream().filter(e -> e.address().host().equals("10.0.0.1")).findFirst().orElseThrow();
        assertThat(warned.weight()).isEqualTo(2);
        assertThat(warned.labels()).containsEntry("version", "1").containsEntry("v1", "true");
        // Without ?passing: the source filters critical itself.
        assertThat(consul.requests()).filteredOn(r -> r.path().equals(WEB)).allSatisfy(r ->
                assertThat(r.query()).doesNotContainKey("passing"));
        consul.setCheck("web-2", "critical");
        sink.awaitPublish(1, x -> hasEndpoints(x, "web.service.consul:8080", "10.0.0.1:8080"), T);
    }

    @Test
    void servicesFilterAndClusterPerTag() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 8080, "v1");
        consul.register("web", "web-2", "10.0.0.2", 8080, "v2");
        consul.register("db", "db-1", "10.0.0.5", 5432);
        start("services: {names: [web]}\nclusterPerTag: [v1, v2]");
        Fragment f = sink.awaitPublish(0, x -> true, T);
        assertThat(f.clusters()).extracting(Cluster::name).containsExactly("web.service.consul",
                "v1.web.service.consul", "v2.web.service.consul", "web.service.consul:8080",
                "v1.web.service.consul:8080", "v2.web.service.consul:8080");
        assertThat(endpoints(f, "v1.web.service.consul")).containsExactly("10.0.0.1:8080");
        assertThat(endpoints(f, "v2.web.service.consul:8080")).containsExactly("10.0.0.2:8080");
        assertThat(consul.requests()).noneMatch(r -> r.path().equals("/v1/health/service/db"));
    }

    @Test
    void aNewServiceWhoseHealthFailsDoesNotHoldBackTheOthers() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 8080);
        start("");
        sink.awaitPublish(0, f -> true, T);
        consul.awaitHeld(WEB, consul.healthIndex("web"), T);
        consul.failPath("/v1/health/service/api", 500); // the new service's health cannot be read
        consul.register("api", "api-1", "10.0.0.3", 9000);
        sink.awaitUnavailable("health of service api", T);
        consul.register("web", "web-2", "10.0.0.2", 8080);
        Fragment f = sink.awaitPublish(1, x -> hasEndpoints(x, "web.service.consul", "10.0.0.1:8080", "10.0.0.2:8080"), T);
        assertThat(cluster(f, "api.service.consul")).as("not loaded yet: left out").isEmpty();
        consul.failPath("/v1/health/service/api", 0);
        Fragment g = sink.awaitPublish(1, x -> cluster(x, "api.service.consul").isPresent(), T);
        assertThat(endpoints(g, "api.service.consul")).containsExactly("10.0.0.3:9000");
    }

    @Test
    void closeStopsEveryWatchPromptly() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 8080);
        start("kvPrefix: tidegate/");
        sink.awaitPublish(0, f -> true, T);
        consul.awaitHeld(WEB, consul.healthIndex("web"), T);
        long started = System.nanoTime();
        source.close();
        source = null;
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(1000);
        int published = sink.published().size();
        consul.register("web", "web-2", "10.0.0.2", 8080);
        consul.awaitRequests("/v1/catalog/services", 0, T);
        assertThat(sink.published()).hasSize(published);
    }
}
