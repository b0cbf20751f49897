package io.tidegate.plugins.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.tidegate.plugins.support.kubernetes.ManifestReader;
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
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gateway API objects on fabric8's mock API server in CRUD mode (standing for an API server with the
 * Gateway API CRDs installed): HTTPRoutes become routes, and the leader writes the status conditions back.
 */
@EnableKubernetesMockClient(crud = true)
class GatewayApiTest {

    static final Duration WAIT = Duration.ofSeconds(15);

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path home;

    private TestContext context;
    private ConfigSource source;

    @AfterEach
    void tearDown() {
        if (source != null) {
            source.close();
        }
        if (context != null) {
            context.close();
        }
        // Its watches close now, before the extension stops the mock API server: the server's shutdown waits
        // for open connections longer than the extension's 10 s (seen as "Unable to close MockWebServer").
        client.close();
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

        awaitCondition(() -> {
            HTTPRoute r = client.resources(HTTPRoute.class).inNamespace("shop").withName("store").get();
            return r.getStatus() == null || r.getStatus().getParents() == null || r.getStatus().getParents().isEmpty()
                    ? List.of() : r.getStatus().getParents().get(0).getConditions();
        }, "Accepted");
        awaitCondition(() -> {
            Gateway g = client.resources(Gateway.class).inNamespace("shop").withName("edge").get();
            return g.getStatus() == null ? List.of() : g.getStatus().getConditions();
        }, "Programmed");
        awaitCondition(() -> {
            GatewayClass c = client.resources(GatewayClass.class).withName("tidegate").get();
            return c.getStatus() == null ? List.of() : c.getStatus().getConditions();
        }, "Accepted");
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
        awaitCondition(() -> {
            var r = client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TLSRoute.class)
                    .inNamespace("shop").withName("secure").get();
            return r.getStatus() == null || r.getStatus().getParents() == null || r.getStatus().getParents().isEmpty()
                    ? List.of() : r.getStatus().getParents().get(0).getConditions();
        }, "Accepted");

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

    private void awaitRouteCondition(String ns, String name, String type, String status) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            HTTPRoute r = client.resources(HTTPRoute.class).inNamespace(ns).withName(name).get();
            if (r.getStatus() != null && r.getStatus().getParents() != null && r.getStatus().getParents().stream()
                    .flatMap(p -> p.getConditions().stream())
                    .anyMatch(c -> type.equals(c.getType()) && status.equals(c.getStatus()))) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(25); // polling the API server's state
        }
        throw new AssertionError("condition " + type + "=" + status + " not written within " + WAIT);
    }

    private static void awaitCondition(Supplier<List<Condition>> read, String type) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (read.get().stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(25); // polling the API server's state
        }
        throw new AssertionError("condition " + type + "=True not written within " + WAIT);
    }
}
