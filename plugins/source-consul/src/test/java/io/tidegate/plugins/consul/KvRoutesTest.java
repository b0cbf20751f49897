package io.tidegate.plugins.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.plugins.consul.ConsulApi.KvEntry;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.WeightedCluster;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** KV route documents, parsed by the kernel's real YAML reader (as {@code context.yaml()} lends it). */
class KvRoutesTest {

    private final KvRoutes kv = new KvRoutes("consul", TestContext.YAML);

    private static KvEntry entry(String key, String value, long index) {
        return new KvEntry(key, value, index);
    }

    @Test
    void theNativeSubsetTranslates() {
        var r = kv.translate(List.of(entry("routes/shop", """
                routes:
                  - name: shop
                    hosts: [Shop.Example.com]
                    listeners: [web]
                    match:
                      path: {prefix: /store}
                      methods: [get, post]
                    forward:
                      - {cluster: shop.service.consul, weight: 90}
                      - cluster: canary.shop.service.consul
                        weight: 10
                    rewrite: {prefix: /, host: shop.internal}
                    timeout: 5s
                    metadata: {team: web}
                  - name: exact
                    match: {path: {exact: /healthz}}
                    forward: shop.service.consul:8080
                """, 7)));
        assertThat(r.diagnostics()).isEmpty();
        Route shop = r.routes().get(0);
        assertThat(shop.match().hosts()).containsExactly("shop.example.com");
        assertThat(shop.listeners()).containsExactly("web");
        assertThat(shop.match().path()).isEqualTo(PathMatch.segmentPrefix("/store"));
        assertThat(shop.match().methods()).containsExactlyInAnyOrder("GET", "POST");
        assertThat(((RouteAction.Forward) shop.action()).clusters()).extracting(WeightedCluster::cluster, WeightedCluster::weight)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("shop.service.consul", 90),
                        org.assertj.core.groups.Tuple.tuple("canary.shop.service.consul", 10));
        assertThat(shop.rewrite().prefix()).isEqualTo("/");
        assertThat(shop.rewrite().authority()).isEqualTo("shop.internal");
        assertThat(shop.timeouts().request()).isEqualTo(Duration.ofSeconds(5));
        assertThat(shop.metadata()).containsEntry("team", "web");
        assertThat(shop.provenance().toString()).isEqualTo("consul:KV routes/shop#routes[0]");
        assertThat(r.routes().get(1).provenance().rule()).isEqualTo("routes[1]");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "'routes:\n  - name: a\n    forwrd: x\n'                          | consul-kv:routes/bad:3:13: routes[0].forwrd: unknown key",
        "'routes:\n  - name: a\n'                                         | has no 'forward'",
        "'clusters:\n  - name: c\n'                                       | clusters are not read from KV",
        "'routes: [unclosed\n'                                            | consul-kv:routes/bad:",
        "'routes:\n  - name: a\n    forward: x\n    match: {path: {prefix: api}}\n' | expected: a path starting with '/'",
        "'routes:\n  - name: a\n    forward: [{cluster: x, weight: 0}]\n' | only weight 0",
        "'- just a list\n'                                                | is not a map",
    })
    void aMalformedDocumentIsRejectedAloneNamingTheKey(String text, String message) {
        var r = kv.translate(List.of(entry("routes/bad", text, 3), entry("routes/good",
                "routes:\n  - name: good\n    forward: web.service.consul\n", 4)));
        assertThat(r.routes()).extracting(Route::name).containsExactly("good");
        assertThat(r.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.ERROR);
            assertThat(d.object().object()).isEqualTo("KV routes/bad");
            assertThat(d.message()).contains(message).contains("routes are left out");
        });
    }

    @Test
    void aKeyTurningBadKeepsItsLastGoodVersionAndForgetsItWhenDeleted() {
        kv.translate(List.of(entry("routes/a", "routes:\n  - name: a\n    forward: web\n", 5)));
        var bad = kv.translate(List.of(entry("routes/a", "routes:\n  - name: a\n    forward: [\n", 6)));
        assertThat(bad.routes()).extracting(Route::name).containsExactly("a");
        assertThat(bad.diagnostics()).singleElement()
                .satisfies(d -> assertThat(d.message()).contains("previous version (ModifyIndex 5) stays"));
        assertThat(kv.translate(List.of()).routes()).isEmpty();
        var again = kv.translate(List.of(entry("routes/a", "routes:\n  - name: a\n    forward: [\n", 8)));
        assertThat(again.routes()).isEmpty();
    }

    @Test
    void foldersAndEmptyKeysAreSkippedAndDuplicateNamesRejected() {
        var r = kv.translate(List.of(entry("routes/", null, 1), entry("routes/empty", "", 2),
                entry("routes/b", "routes:\n  - name: same\n    forward: y\n", 3),
                entry("routes/a", "routes:\n  - name: same\n    forward: x\n", 4)));
        assertThat(r.routes()).singleElement().satisfies(x -> assertThat(x.provenance().object()).isEqualTo("KV routes/a"));
        assertThat(r.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.object().object()).isEqualTo("KV routes/b");
            assertThat(d.message()).contains("already used");
        });
    }
}
