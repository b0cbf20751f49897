package io.tidegate.plugins.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.tidegate.plugins.support.kubernetes.ManifestReader;
import io.tidegate.plugins.support.kubernetes.testing.MockApiServer;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.WeightedCluster;
import io.tidegate.spi.source.ConfigSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gateway API objects on fabric8's mock API server in CRUD mode (standing for an API server with the
 * Gateway API CRDs installed): HTTPRoutes become routes, and the leader writes the status conditions back.
 */
class GatewayApiTest {

    static final Duration WAIT = Duration.ofSeconds(15);

    private MockApiServer api;
    private KubernetesClient client;

    @TempDir
    Path home;

    private TestContext context;
    private ConfigSource source;

    @BeforeEach
    void apiServer() {
        api = MockApiServer.crud();
        client = api.client();
    }

    @AfterEach
    void tearDown() throws Exception {
        MockApiServer.closeInOrder(source, context, api);
    }

    @Test
    void httpRoutesAreServedAndStatusIsWrittenBack() throws Exception {
        List<HasMetadata> objects = ManifestReader.parse("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: GatewayClass
                metadata: {name: tidegate}
                spec: {controllerName: tidegate.io/ingress-controller}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: shop}
                spec:
                  gatewayClassName: tidegate
                  listeners: [{name: web, protocol: HTTP, port: 80}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: store, namespace: shop}
                spec:
                  parentRefs: [{name: edge}]
                  hostnames: [store.example.com]
                  rules: [{backendRefs: [{name: web, port: 80}]}]
                """);
        client.services().inNamespace("shop").resource(InformerCrudTest.service()).create();
        for (HasMetadata o : objects) {
            client.resource(o).create();
        }
        context = new TestContext(home);
        RecordingSink sink = new RecordingSink();
        source = new KubernetesSourceFactory().create("kubernetes", TestContext.settings(
                "debounce: 10ms\nevents: false\ngatewayApi: true\nleaseDuration: 1500ms"), context, client, t -> { });
        source.start(sink);

        Fragment f = sink.await(x -> RecordingSink.hasRoute(x, "httproute/shop/store/r0/m0/store.example.com"), WAIT);
        assertThat(f.clusters()).extracting(c -> c.name()).contains("web.shop.svc.cluster.local:80");

        awaitCondition(client.resources(HTTPRoute.class).inNamespace("shop").withName("store"), r ->
                r.getStatus() == null || r.getStatus().getParents() == null || r.getStatus().getParents().isEmpty()
                        ? List.of() : r.getStatus().getParents().get(0).getConditions(), "Accepted");
        awaitCondition(client.resources(Gateway.class).inNamespace("shop").withName("edge"), g ->
                g.getStatus() == null ? List.of() : g.getStatus().getConditions(), "Programmed");
        awaitCondition(client.resources(GatewayClass.class).withName("tidegate"), c ->
                c.getStatus() == null ? List.of() : c.getStatus().getConditions(), "Accepted");
        Gateway g = client.resources(Gateway.class).inNamespace("shop").withName("edge").get();
        assertThat(g.getStatus().getListeners().get(0).getAttachedRoutes()).isEqualTo(1);
    }

    /**
     * A cross-namespace backend is refused (500, ResolvedRefs=False RefNotPermitted) until a ReferenceGrant in
     * the Service's namespace is created on the API server, then served (the grant is watched); deleting the
     * grant refuses it again. A TLSRoute on a Passthrough listener becomes a TcpRoute with its SNI names, and
     * its status is written back.
     */
    @Test
    void referenceGrantsAreWatchedAndTlsRoutesBecomeTcpRoutes() throws Exception {
        List<HasMetadata> objects = ManifestReader.parse("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: GatewayClass
                metadata: {name: tidegate}
                spec: {controllerName: tidegate.io/ingress-controller}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: infra}
                spec:
                  gatewayClassName: tidegate
                  listeners:
                    - {name: web, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: All}}}
                    - {name: tls, protocol: TLS, port: 443, tls: {mode: Passthrough},
                       allowedRoutes: {namespaces: {from: All}}}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: front, namespace: apps}
                spec:
                  parentRefs: [{name: edge, namespace: infra}]
                  hostnames: [front.example.com]
                  rules: [{backendRefs: [{name: web, namespace: shop, port: 80}]}]
                ---
                apiVersion: gateway.networking.k8s.io/v1alpha2
                kind: TLSRoute
                metadata: {name: secure, namespace: shop}
                spec:
                  parentRefs: [{name: edge, namespace: infra, sectionName: tls}]
                  hostnames: [secure.example.com]
                  rules: [{backendRefs: [{name: web, port: 80}]}]
                """);
        client.services().inNamespace("shop").resource(InformerCrudTest.service()).create();
        for (HasMetadata o : objects) {
            client.resource(o).create();
        }
        context = new TestContext(home, List.of(TestListeners.listener("web", ListenerProtocol.HTTP, 0),
                TestListeners.listener("passthrough", ListenerProtocol.TLS_PASSTHROUGH, 0)));
        RecordingSink sink = new RecordingSink();
        source = new KubernetesSourceFactory().create("kubernetes", TestContext.settings(
                "debounce: 10ms\nevents: false\ngatewayApiExperimental: true\nleaseDuration: 1500ms"), context,
                client, t -> { });
        source.start(sink);

        String route = "httproute/apps/front/r0/m0/front.example.com";
        Fragment refused = sink.await(x -> RecordingSink.hasRoute(x, route), WAIT);
        assertThat(action(refused, route)).isEqualTo(new RouteAction.DirectResponse(500, "no backend\n", List.of()));
        assertThat(refused.tcpRoutes()).singleElement().satisfies(t -> {
            assertThat(t.name()).isEqualTo("tlsroute/shop/secure");
            assertThat(t.listeners()).containsExactly("passthrough");
            assertThat(t.sniHosts()).containsExactly("secure.example.com");
            assertThat(t.clusters()).containsExactly(WeightedCluster.of("web.shop.svc.cluster.local:80", 1));
        });
        awaitRouteCondition("apps", "front", "ResolvedRefs", "False");
        awaitCondition(client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TLSRoute.class)
                .inNamespace("shop").withName("secure"), r ->
                r.getStatus() == null || r.getStatus().getParents() == null || r.getStatus().getParents().isEmpty()
                        ? List.of() : r.getStatus().getParents().get(0).getConditions(), "Accepted");

        HasMetadata grant = ManifestReader.parse("""
                apiVersion: gateway.networking.k8s.io/v1beta1
                kind: ReferenceGrant
                metadata: {name: apps-to-web, namespace: shop}
                spec:
                  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: apps}]
                  to: [{group: "", kind: Service, name: web}]
                """).get(0);
        client.resource(grant).create();
        Fragment granted = sink.await(x -> action(x, route) instanceof RouteAction.Forward, WAIT);
        assertThat(action(granted, route)).isEqualTo(RouteAction.Forward.to("web.shop.svc.cluster.local:80"));
        awaitRouteCondition("apps", "front", "ResolvedRefs", "True");

        client.resource(grant).delete();
        sink.await(x -> action(x, route) instanceof RouteAction.DirectResponse, WAIT);
    }

    private static RouteAction action(Fragment f, String route) {
        return f.routes().stream().filter(r -> r.name().equals(route)).map(Route::action).findFirst().orElse(null);
    }

    private void awaitRouteCondition(String ns, String name, String type, String status) {
        await(client.resources(HTTPRoute.class).inNamespace(ns).withName(name), r -> r.getStatus() != null
                && r.getStatus().getParents() != null && r.getStatus().getParents().stream()
                .flatMap(p -> p.getConditions().stream())
                .anyMatch(c -> type.equals(c.getType()) && status.equals(c.getStatus())),
                "condition " + type + "=" + status + " not written within " + WAIT);
    }

    private static <T extends HasMetadata> void awaitCondition(Resource<T> object,
                                                               Function<T, List<Condition>> conditions, String type) {
        await(object, o -> conditions.apply(o).stream()
                .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus())),
                "condition " + type + "=True not written within " + WAIT);
    }

    /** Waits, on a watch of the API server, until the object exists and satisfies {@code condition}. */
    private static <T extends HasMetadata> void await(Resource<T> object, Predicate<T> condition, String failure) {
        try {
            object.waitUntilCondition(o -> o != null && condition.test(o), WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            throw new AssertionError(failure, e);
        }
    }
}
