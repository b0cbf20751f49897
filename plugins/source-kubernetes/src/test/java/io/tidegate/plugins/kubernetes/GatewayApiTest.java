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
import io.tidegate.spi.model.Fragment;
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
