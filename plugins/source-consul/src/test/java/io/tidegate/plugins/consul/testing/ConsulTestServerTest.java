package io.tidegate.plugins.consul.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Consul stand-in answers as a Consul agent does (shapes checked against the HTTP API docs), so that
 * tests against it say something about the real thing.
 */
class ConsulTestServerTest {

    private ConsulTestServer consul;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        consul = ConsulTestServer.start();
    }

    @AfterEach
    void stop() {
        consul.close();
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(consul.address() + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static long index(HttpResponse<?> r) {
        return Long.parseLong(r.headers().firstValue("X-Consul-Index").orElseThrow());
    }

    @Test
    void catalogServicesListsTagUnions() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 80, "a", "b");
        consul.register("web", "web-2", "10.0.0.2", 80, "b", "c");
        consul.register("db", "db-1", "10.0.0.3", 5432);
        HttpResponse<String> r = get("/v1/catalog/services");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"db\":[],\"web\":[\"a\",\"b\",\"c\"]}");
        assertThat(r.headers().firstValue("X-Consul-KnownLeader")).contains("true");
        assertThat(index(r)).isPositive();
    }

    @Test
    void healthPassingFiltersOnEveryCheck() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 80);
        consul.register("web", "web-2", "10.0.0.2", 80);
        consul.register("web", "web-3", "10.0.0.3", 80);
        consul.setCheck("web-2", "warning");
        consul.setCheck("web-3", "critical");
        String all = get("/v1/health/service/web").body();
        String passing = get("/v1/health/service/web?passing").body();
        assertThat(all).contains("\"ID\":\"web-1\"", "\"ID\":\"web-2\"", "\"ID\":\"web-3\"")
                .contains("\"CheckID\":\"serfHealth\"").contains("\"Status\":\"warning\"")
                .contains("\"Weights\":{").contains("\"Node\":{\"ID\":");
        assertThat(passing).contains("\"ID\":\"web-1\"").doesNotContain("web-2").doesNotContain("web-3");
    }

    @Test
    void kvRecurseKeysBase64And404() throws Exception {
        consul.putKv("app/routes/a", "routes: []\n");
        consul.putKv("app/routes/b", "héllo");
        consul.putKv("other", "x");
        HttpResponse<String> recurse = get("/v1/kv/app/routes/?recurse");
        assertThat(recurse.statusCode()).isEqualTo(200);
        assertThat(recurse.body()).contains("\"Key\":\"app/routes/a\"").contains("\"Key\":\"app/routes/b\"")
                .doesNotContain("other")
                .contains("\"Value\":\"" + Base64.getEncoder().encodeToString("héllo".getBytes("UTF-8")) + "\"")
                .contains("\"ModifyIndex\":").contains("\"LockIndex\":0");
        assertThat(get("/v1/kv/app/routes/?keys").body()).isEqualTo("[\"app/routes/a\",\"app/routes/b\"]");
        assertThat(get("/v1/kv/other").body()).contains("\"Key\":\"other\"");
        HttpResponse<String> missing = get("/v1/kv/nothing/?recurse");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(index(missing)).isPositive();
    }

    @Test
    void aBlockingQueryHoldsUntilAChangeAndIndexesOnlyGrow() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 80);
        long i1 = index(get("/v1/health/service/web"));
        CompletableFuture<HttpResponse<String>> held = http.sendAsync(HttpRequest.newBuilder(
                URI.create(consul.address() + "/v1/health/service/web?index=" + i1 + "&wait=30s")).build(),
                HttpResponse.BodyHandlers.ofString());
        consul.awaitHeld("/v1/health/service/web", i1, Duration.ofSeconds(5));
        assertThat(held).isNotDone();
        consul.unrelatedWrite(); // another table: this query keeps waiting
        consul.putKv("k", "v");
        assertThat(held).isNotDone();
        consul.setCheck("web-1", "critical");
        HttpResponse<String> r = held.get(5, TimeUnit.SECONDS);
        assertThat(index(r)).isGreaterThan(i1);
        assertThat(r.body()).contains("\"Status\":\"critical\"");
    }

    @Test
    void aWaitExpiresWithTheSameIndex() throws Exception {
        consul.register("web", "web-1", "10.0.0.1", 80);
        long i1 = index(get("/v1/catalog/services"));
        long started = System.nanoTime();
        HttpResponse<String> r = get("/v1/catalog/services?index=" + i1 + "&wait=200ms");
        assertThat((System.nanoTime() - started) / 1_000_000).isGreaterThanOrEqualTo(190);
        assertThat(index(r)).isEqualTo(i1);
    }

    @Test
    void faultsAndAcls() throws Exception {
        consul.failNext(1, 500);
        assertThat(get("/v1/catalog/services").statusCode()).isEqualTo(500);
        assertThat(get("/v1/catalog/services").statusCode()).isEqualTo(200);
        assertThat(get("/v1/catalog/services?dc=dc9").body()).isEqualTo("No path to datacenter");
        consul.requireToken("t");
        assertThat(get("/v1/catalog/services").statusCode()).isEqualTo(403);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(consul.address() + "/v1/catalog/services"))
                .header("X-Consul-Token", "t").build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        consul.requireToken(null);
        consul.dropNext(3); // java.net.http retries a GET once on a reused connection
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> get("/v1/catalog/services")))
                .isInstanceOf(java.io.IOException.class);
        consul.dropNext(0);
        consul.restoreIndex(3);
        assertThat(index(get("/v1/catalog/services"))).isLessThanOrEqualTo(3);
        consul.reportZeroIndex(true);
        assertThat(index(get("/v1/catalog/services"))).isZero();
    }
}
