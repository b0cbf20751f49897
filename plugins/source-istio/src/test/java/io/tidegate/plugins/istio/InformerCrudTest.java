package io.tidegate.plugins.istio;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.tidegate.plugins.support.kubernetes.testing.MockApiServer;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.source.ConfigSource;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch loop against fabric8's mock API server in CRUD mode (standing for a real API server with
 * Istio's CRDs installed: the CRDs are registered first, then Istio objects are created, updated and
 * deleted through the REST API and watches deliver the changes).
 */
class InformerCrudTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    private MockApiServer api;
    private KubernetesClient client;

    @TempDir
    Path home;

    private TestContext context;
    private ConfigSource source;
    private final RecordingSink sink = new RecordingSink();

    @BeforeEach
    void start() {
        api = MockApiServer.crud();
        client = api.client();
        context = new TestContext(home);
        for (String[] k : ClusterSource.KINDS) {
            client.apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
                    .withNewMetadata().withName(k[1] + "." + ClusterSource.GROUP).endMetadata()
                    .withNewSpec().withGroup(ClusterSource.GROUP).withScope("Namespaced")
                    .withNewNames().withKind(k[0]).withPlural(k[1]).endNames()
                    .addNewVersion().withName("v1").withServed(true).withStorage(true).endVersion()
                    .endSpec().build()).create();
        }
        create("ServiceEntry", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: vm, namespace: shop}
                spec:
                  hosts: [app.vm.internal]
                  resolution: STATIC
                  ports: [{number: 80, name: http}]
                  endpoints: [{address: 10.0.0.7}]
                """);
        create("Gateway", """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: shop}
                spec:
                  selector: {istio: ingressgateway}
                  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
                """);
        create("VirtualService", vs("/v1"));
        source = new IstioSourceFactory().create("istio", TestContext.settings("""
                debounce: 10ms
                listenerPorts: {"80": [web], "5432": [postgres]}
                """), context, client, f -> { });
        source.start(sink);
    }

    @AfterEach
    void stop() throws Exception {
        MockApiServer.closeInOrder(source, context, api);
    }

    private static String vs(String prefix) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: shop, namespace: shop}
                spec:
                  hosts: [shop.example.com]
                  gateways: [edge]
                  http:
                    - match: [{uri: {prefix: %s}}]
                      route: [{destination: {host: app.vm.internal}}]
                """.formatted(prefix);
    }

    private static String kindPlural(String kind) {
        return ClusterSource.KINDS.stream().filter(k -> k[0].equals(kind)).findFirst().orElseThrow()[1];
    }

    private void create(String kind, String yaml) {
        GenericKubernetesResource r = Serialization.unmarshal(yaml, GenericKubernetesResource.class);
        client.genericKubernetesResources(ClusterSource.context(kind, kindPlural(kind))).inNamespace("shop")
                .resource(r).create();
    }

    private static String path(Fragment f) {
        return f.routes().stream().map(Route::match).map(m -> m.path() == null ? "" : m.path().value()).findFirst()
                .orElse("none");
    }

    @Test
    void publishesOnceSyncedThenFollowsUpdatesAndDeletes() throws Exception {
        Fragment first = sink.await(f -> !f.routes().isEmpty(), WAIT);
        assertThat(path(first)).isEqualTo("/v1");
        assertThat(first.clusters()).extracting(c -> c.name()).containsExactly("app.vm.internal:80");

        GenericKubernetesResource updated = Serialization.unmarshal(vs("/v2"), GenericKubernetesResource.class);
        client.genericKubernetesResources(ClusterSource.context("VirtualService", "virtualservices"))
                .inNamespace("shop").resource(updated).update();
        assertThat(path(sink.await(f -> path(f).equals("/v2"), WAIT))).isEqualTo("/v2");

        client.genericKubernetesResources(ClusterSource.context("VirtualService", "virtualservices"))
                .inNamespace("shop").withName("shop").delete();
        assertThat(sink.await(f -> f.routes().isEmpty(), WAIT).clusters()).hasSize(1);
    }

    /**
     * The mappings the kernel is gaining (tcp rules, mirrors, circuit breakers, HTTP/2 upstreams) arrive
     * through the informers as they do from manifests: asserted on the published fragment.
     */
    @Test
    void tcpRulesMirrorsLimitsAndHttp2FollowTheApiServer() throws Exception {
        sink.await(f -> !f.routes().isEmpty(), WAIT);
        create("ServiceEntry", """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: db, namespace: shop}
                spec:
                  hosts: [db.vm.internal]
                  resolution: STATIC
                  ports: [{number: 5432, name: tcp-postgres, protocol: TCP}]
                  endpoints: [{address: 10.0.0.9}]
                """);
        create("Gateway", """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: db, namespace: shop}
                spec:
                  selector: {istio: ingressgateway}
                  servers: [{port: {number: 5432, name: tcp, protocol: TCP}, hosts: ["*"]}]
                """);
        create("VirtualService", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: db, namespace: shop}
                spec:
                  hosts: ["*"]
                  gateways: [db]
                  tcp: [{match: [{port: 5432}], route: [{destination: {host: db.vm.internal}}]}]
                """);
        create("DestinationRule", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: app, namespace: shop}
                spec:
                  host: app.vm.internal
                  trafficPolicy:
                    connectionPool:
                      tcp: {maxConnections: 7}
                      http: {http2MaxRequests: 70, h2UpgradePolicy: UPGRADE}
                """);
        client.genericKubernetesResources(ClusterSource.context("VirtualService", "virtualservices"))
                .inNamespace("shop").resource(Serialization.unmarshal(vs("/v1").replace(
                        "      route: [{destination: {host: app.vm.internal}}]",
                        "      route: [{destination: {host: app.vm.internal}}]\n"
                                + "      mirror: {host: db.vm.internal}\n      mirrorPercentage: {value: 5}"),
                        GenericKubernetesResource.class)).update();

        Fragment f = sink.await(x -> !x.tcpRoutes().isEmpty() && x.routes().stream().anyMatch(r -> !r.mirrors()
                .isEmpty()) && x.clusters().stream().anyMatch(c -> c.limits().maxConnections() == 7), WAIT);
        assertThat(f.tcpRoutes()).singleElement().satisfies(t -> {
            assertThat(t.name()).isEqualTo("shop/db/tcp[0]/match[0]");
            assertThat(t.listeners()).containsExactly("postgres");
            assertThat(t.clusters()).extracting(c -> c.cluster()).containsExactly("db.vm.internal:5432");
        });
        assertThat(f.routes().get(0).mirrors()).containsExactly(
                new io.tidegate.spi.model.MirrorPolicy("db.vm.internal:5432", 5));
        io.tidegate.spi.model.Cluster app = f.clusters().stream().filter(c -> c.name().equals("app.vm.internal:80"))
                .findFirst().orElseThrow();
        assertThat(app.limits()).isEqualTo(new io.tidegate.spi.model.ConnectionLimits(7, 0, 70, 0, 0));
        assertThat(app.protocol()).isEqualTo(io.tidegate.spi.model.Cluster.UpstreamProtocol.HTTP2);
    }

    @Test
    void anOutageIsReportedAndPublishesNothing() throws Exception {
        sink.await(f -> !f.routes().isEmpty(), WAIT);
        int published = sink.fragments.size();
        api.stop(); // the API server goes away under the open watches
        assertThat(sink.awaitUnavailable(WAIT)).contains("API server");
        assertThat(sink.fragments).hasSize(published); // the kernel keeps serving the last fragment
    }

    @Test
    void kubernetesServicesBecomeClustersWithPodLabels() throws Exception {
        sink.await(f -> !f.routes().isEmpty(), WAIT);
        client.resource(Serialization.unmarshal("""
                apiVersion: v1
                kind: Service
                metadata: {name: reviews, namespace: shop}
                spec:
                  ports: [{name: http, port: 9080}]
                """, io.fabric8.kubernetes.api.model.Service.class)).create();
        client.resource(Serialization.unmarshal("""
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: {name: reviews-1, namespace: shop, labels: {kubernetes.io/service-name: reviews}}
                addressType: IPv4
                ports: [{name: http, port: 9080}]
                endpoints: [{addresses: [10.4.0.1], targetRef: {kind: Pod, name: reviews-v2}}]
                """, io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice.class)).create();
        client.resource(Serialization.unmarshal("""
                apiVersion: v1
                kind: Pod
                metadata: {name: reviews-v2, namespace: shop, labels: {version: v2}}
                spec: {containers: [{name: app, image: reviews}]}
                """, io.fabric8.kubernetes.api.model.Pod.class)).create();
        create("DestinationRule", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: shop}
                spec:
                  host: reviews
                  subsets: [{name: v2, labels: {version: v2}}]
                """);
        client.genericKubernetesResources(ClusterSource.context("VirtualService", "virtualservices"))
                .inNamespace("shop").resource(Serialization.unmarshal(vs("/v1").replace("host: app.vm.internal",
                        "host: reviews, subset: v2"), GenericKubernetesResource.class)).update();

        RecordingSink services = new RecordingSink();
        try (ConfigSource withServices = new IstioSourceFactory().create("istio", TestContext.settings("""
                debounce: 10ms
                listenerPorts: {"80": [web]}
                kubernetesServices: true
                """), context, client, f -> { })) {
            withServices.start(services);
            Fragment f = services.await(x -> x.clusters().stream()
                    .anyMatch(c -> c.name().equals("reviews.shop.svc.cluster.local:9080/v2")), WAIT);
            assertThat(f.clusters().stream().filter(c -> c.name().endsWith("/v2")).findFirst().orElseThrow()
                    .endpoints()).extracting(e -> e.address().toString()).containsExactly("10.4.0.1:9080");
        }
    }
}
