package io.tidegate.plugins.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.source.ConfigSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offline manifests (the files a team would {@code kubectl apply -f}): a ReferenceGrant file added next to
 * the Gateway API objects is read on the next rescan and opens a cross-namespace backend; removing the file
 * closes it again.
 */
class GatewayManifestsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String ROUTE = "httproute/apps/front/r0/m0/front.example.com";

    @Test
    void aReferenceGrantFileOpensAndClosesACrossNamespaceBackend(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("gateway.yaml"), """
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
                  listeners: [{name: web, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: All}}}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: shop}
                spec: {ports: [{port: 80}]}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: front, namespace: apps}
                spec:
                  parentRefs: [{name: edge, namespace: infra}]
                  hostnames: [front.example.com]
                  rules: [{backendRefs: [{name: web, namespace: shop, port: 80}]}]
                """);
        RecordingSink sink = new RecordingSink();
        try (TestContext context = new TestContext(dir);
             ConfigSource source = new KubernetesSourceFactory().create("k8s",
                     TestContext.settings("manifests: [" + dir + "]\npollInterval: 100ms\ndebounce: 10ms"), context,
                     null, t -> { })) {
            source.start(sink);
            Fragment refused = sink.await(f -> action(f) != null, WAIT);
            assertThat(action(refused)).isInstanceOf(RouteAction.DirectResponse.class);
            assertThat(refused.diagnostics()).anyMatch(d -> d.object().object().equals("HTTPRoute apps/front")
                    && d.field().equals("backendRefs[0]") && d.message().contains("no ReferenceGrant in shop"));

            Path grant = Files.writeString(dir.resolve("grant.yaml"), """
                    apiVersion: gateway.networking.k8s.io/v1beta1
                    kind: ReferenceGrant
                    metadata: {name: apps-to-web, namespace: shop}
                    spec:
                      from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: apps}]
                      to: [{group: "", kind: Service}]
                    """);
            Fragment granted = sink.await(f -> action(f) instanceof RouteAction.Forward, WAIT);
            assertThat(action(granted)).isEqualTo(RouteAction.Forward.to("web.shop.svc.cluster.local:80"));

            Files.delete(grant);
            sink.await(f -> action(f) instanceof RouteAction.DirectResponse, WAIT);
        }
    }

    private static RouteAction action(Fragment f) {
        return f.routes().stream().filter(r -> r.name().equals(ROUTE)).map(Route::action).findFirst().orElse(null);
    }
}
