package io.tidegate.plugins.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.plugins.consul.ConsulApi.Instance;
import io.tidegate.plugins.consul.ConsulApi.Status;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.PathRewrite;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The catalog translation, a pure function: table-driven, no Consul needed. */
class CatalogTranslatorTest {

    private static ConsulSettings settings(String yaml) {
        try (TestContext context = new TestContext(Path.of("."))) {
            return ConsulSettings.parse(TestContext.settings(yaml.isEmpty() ? "{}" : yaml), context);
        }
    }

    private static Instance instance(String id, String address, String nodeAddress, int port, Status status,
                                     List<String> tags) {
        return new Instance("node-" + id, nodeAddress, id, address, port, tags, Map.of(), 1, 1, status);
    }

    private static CatalogTranslator.Result translate(String settingsYaml, Map<String, List<String>> tags,
                                                      Map<String, List<Instance>> instances) {
        Map<String, SortedSet<Integer>> ports = new TreeMap<>();
        return new CatalogTranslator("consul", settings(settingsYaml))
                .translate(new CatalogTranslator.Catalog(tags, instances, ports));
    }

    private static Cluster cluster(CatalogTranslator.Result r, String name) {
        return r.clusters().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow(
                () -> new AssertionError("no cluster " + name + " in " + r.clusters()));
    }

    @Test
    void endpointAddressIsServiceAddressOrElseNodeAddress() {
        var r = translate("", Map.of("web", List.of()), Map.of("web", List.of(
                instance("a", "10.0.0.1", "192.168.0.1", 80, Status.PASSING, List.of()),
                instance("b", "", "192.168.0.2", 80, Status.PASSING, List.of()))));
        assertThat(cluster(r, "web.service.consul:80").endpoints()).extracting(e -> e.address().toString())
                .containsExactly("10.0.0.1:80", "192.168.0.2:80");
        assertThat(cluster(r, "web.service.consul:80").resolution()).isEqualTo(Cluster.Resolution.STATIC);
        assertThat(cluster(r, "web.service.consul").provenance().toString()).isEqualTo("consul:Service web");
    }

    @Test
    void instancesOnDifferentPortsShareThePortlessClusterAndHaveOneClusterPerPort() {
        var r = translate("", Map.of("web", List.of()), Map.of("web", List.of(
                instance("a", "10.0.0.1", "", 21000, Status.PASSING, List.of()),
                instance("b", "10.0.0.1", "", 21001, Status.PASSING, List.of()))));
        assertThat(r.clusters()).extracting(Cluster::name)
                .containsExactly("web.service.consul", "web.service.consul:21000", "web.service.consul:21001");
        assertThat(cluster(r, "web.service.consul").endpoints()).hasSize(2);
        assertThat(cluster(r, "web.service.consul:21001").endpoints()).singleElement()
                .satisfies(e -> assertThat(e.address().port()).isEqualTo(21001));
    }

    @Test
    void hostNamesMakeADnsCluster() {
        var r = translate("", Map.of("web", List.of()), Map.of("web", List.of(
                instance("a", "web-1.internal", "", 80, Status.PASSING, List.of()))));
        assertThat(cluster(r, "web.service.consul").resolution()).isEqualTo(Cluster.Resolution.DNS);
    }

    @Test
    void tagsAndMetaBecomeLabelsAndWeightsAreHonoured() {
        Instance i = new Instance("n1", "10.0.0.1", "web-1", "", 80, List.of("v1", "zone=eu", "tidegate.path=/x"),
                Map.of("version", "1.2", "zone", "us"), 7, 3, Status.PASSING);
        Instance w = new Instance("n2", "10.0.0.2", "web-2", "", 80, List.of(), Map.of(), 7, 3, Status.WARNING);
        var r = translate("includeWarning: true", Map.of("web", List.of("v1", "zone=eu", "tidegate.path=/x")),
                Map.of("web", List.of(i, w)));
        var endpoints = cluster(r, "web.service.consul:80").endpoints();
        assertThat(endpoints.get(0).labels()).containsEntry("v1", "true").containsEntry("version", "1.2")
                .containsEntry("zone", "us") // meta wins over a key=value tag
                .containsEntry("consul.node", "n1").containsEntry("consul.service-id", "web-1")
                .doesNotContainKey("tidegate.path");
        assertThat(endpoints).extracting(e -> e.weight()).containsExactly(7, 3);
    }

    @Test
    void criticalNeverAndWarningOnlyWhenAsked() {
        Map<String, List<Instance>> instances = Map.of("web", List.of(
                instance("a", "10.0.0.1", "", 80, Status.PASSING, List.of()),
                instance("b", "10.0.0.2", "", 80, Status.WARNING, List.of()),
                instance("c", "10.0.0.3", "", 80, Status.CRITICAL, List.of())));
        assertThat(cluster(translate("", Map.of("web", List.of()), instances), "web.service.consul").endpoints())
                .extracting(e -> e.address().host()).containsExactly("10.0.0.1");
        assertThat(cluster(translate("includeWarning: true", Map.of("web", List.of()), instances), "web.service.consul")
                .endpoints()).extracting(e -> e.address().host()).containsExactly("10.0.0.1", "10.0.0.2");
    }

    @Test
    void aWeightOfZeroTakesNoTraffic() {
        Instance w = new Instance("n", "10.0.0.2", "b", "", 80, List.of(), Map.of(), 1, 0, Status.WARNING);
        var r = translate("includeWarning: true", Map.of("web", List.of()), Map.of("web", List.of(w)));
        assertThat(cluster(r, "web.service.consul").endpoints()).isEmpty();
    }

    @Test
    void clusterPerTag() {
        var r = translate("clusterPerTag: [canary]", Map.of("web", List.of("canary")), Map.of("web", List.of(
                instance("a", "10.0.0.1", "", 80, Status.PASSING, List.of()),
                instance("b", "10.0.0.2", "", 80, Status.PASSING, List.of("canary")))));
        assertThat(cluster(r, "canary.web.service.consul").endpoints()).extracting(e -> e.address().host())
                .containsExactly("10.0.0.2");
        assertThat(cluster(r, "canary.web.service.consul:80").endpoints()).hasSize(1);
        assertThat(cluster(r, "web.service.consul").endpoints()).hasSize(2);
    }

    @Test
    void aServiceWithoutHealthyInstancesKeepsItsClustersEmpty() {
        Map<String, SortedSet<Integer>> ports = new TreeMap<>(Map.of("web", new TreeSet<>(List.of(80))));
        var r = new CatalogTranslator("consul", settings("")).translate(new CatalogTranslator.Catalog(
                Map.of("web", List.of()), Map.of("web", List.of()), ports));
        assertThat(r.clusters()).extracting(Cluster::name).containsExactly("web.service.consul", "web.service.consul:80");
        assertThat(r.clusters()).allSatisfy(c -> assertThat(c.endpoints()).isEmpty());
    }

    @Test
    void theTagConventionMakesOneRoute() {
        var r = translate("", Map.of("shop", List.of("tidegate.host=shop.example.com,www.shop.example.com",
                        "tidegate.path=/store", "tidegate.strip-prefix=true", "tidegate.port=8080", "other")),
                Map.of("shop", List.of(instance("a", "10.0.0.1", "", 8080, Status.PASSING, List.of()))));
        assertThat(r.diagnostics()).isEmpty();
        Route route = r.routes().get(0);
        assertThat(route.name()).isEqualTo("shop.service.consul");
        assertThat(route.match().hosts()).containsExactly("shop.example.com", "www.shop.example.com");
        assertThat(route.match().path()).isEqualTo(PathMatch.segmentPrefix("/store"));
        assertThat(route.rewrite()).isEqualTo(PathRewrite.prefix("/"));
        assertThat(((RouteAction.Forward) route.action()).clusters().get(0).cluster()).isEqualTo("shop.service.consul:8080");
        assertThat(route.provenance().toString()).isEqualTo("consul:Service shop#tags");
    }

    @Test
    void withoutAPortTagTheRouteTargetsThePortlessCluster() {
        var r = translate("", Map.of("shop", List.of("tidegate.path=/", "tidegate.path-type=exact")), Map.of());
        assertThat(((RouteAction.Forward) r.routes().get(0).action()).clusters().get(0).cluster())
                .isEqualTo("shop.service.consul");
        assertThat(r.routes().get(0).match().path()).isEqualTo(PathMatch.exact("/"));
    }

    @Test
    void routesAreOrderedMostSpecificFirst() {
        var r = translate("", new TreeMap<>(Map.of(
                "a", List.of("tidegate.path=/"),
                "b", List.of("tidegate.path=/api/v1"),
                "c", List.of("tidegate.path=/api"),
                "d", List.of("tidegate.path=/health", "tidegate.path-type=exact"))), Map.of());
        assertThat(r.routes()).extracting(Route::name).containsExactly("d.service.consul", "b.service.consul",
                "c.service.consul", "a.service.consul");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "tidegate.hots=a.example.com | unknown tidegate tag 'tidegate.hots'",
        "tidegate.path=api            | is not a path",
        "tidegate.path=               | has no value",
        "tidegate.strip-prefix=yes    | (expected: true or false)",
        "tidegate.port=0              | (expected: 1-65535)",
        "tidegate.port=http           | is not a port",
        "tidegate.path-type=glob      | (expected one of: prefix, exact, starts-with)",
        "tidegate.host=bad host       | is not a host name",
        "tidegate.strip-prefix=true   | neither tidegate.host nor tidegate.path",
    })
    void aMalformedTagRejectsThatServicesRouteAloneAndKeepsItsClusters(String tag, String message) {
        var r = translate("", new TreeMap<>(Map.of("bad", List.of(tag), "good", List.of("tidegate.path=/good"))),
                Map.of("bad", List.of(instance("a", "10.0.0.1", "", 80, Status.PASSING, List.of()))));
        assertThat(r.routes()).extracting(Route::name).containsExactly("good.service.consul");
        assertThat(r.clusters()).extracting(Cluster::name).contains("bad.service.consul", "bad.service.consul:80");
        Diagnostic d = r.diagnostics().get(0);
        assertThat(r.diagnostics()).hasSize(1);
        assertThat(d.severity()).isEqualTo(Diagnostic.Severity.ERROR);
        assertThat(d.object().object()).isEqualTo("Service bad");
        assertThat(d.message()).contains(message).contains("bad");
    }

    @Test
    void instancesDisagreeingOnThePathAreAnError() {
        var r = translate("", Map.of("web", List.of("tidegate.path=/a", "tidegate.path=/b")), Map.of());
        assertThat(r.routes()).isEmpty();
        assertThat(r.diagnostics()).singleElement().satisfies(d -> assertThat(d.message()).contains("conflicts"));
    }

    @Test
    void routesFromTagsCanBeTurnedOff() {
        var r = translate("routesFromTags: false", Map.of("web", List.of("tidegate.path=/")), Map.of());
        assertThat(r.routes()).isEmpty();
    }
}
