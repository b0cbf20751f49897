package io.tidegate.plugins.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.ListMetaBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceListBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClassListBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressListBuilder;
import io.fabric8.kubernetes.api.model.ServiceListBuilder;
import io.fabric8.kubernetes.api.model.SecretListBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.tidegate.plugins.support.kubernetes.testing.MockApiServer;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.source.ConfigSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failure paths of the watch loop on fabric8's mock API server in expectations mode (standing for an API
 * server that expires watches with 410, drops connections and answers 500): the last state stays, the
 * informers relist, replayed ADDs never duplicate routes.
 */
class InformerFailureTest {

    static final Duration WAIT = Duration.ofSeconds(15);
    static final String INGRESSES = "/apis/networking.k8s.io/v1/ingresses";

    private MockApiServer api;
    private KubernetesMockServer server;
    private KubernetesClient client;

    @TempDir
    Path home;

    private TestContext context;
    private ConfigSource source;
    private final RecordingSink sink = new RecordingSink();

    @BeforeEach
    void setUp() {
        api = MockApiServer.expectations();
        server = api.server();
        client = api.client();
        context = new TestContext(home);
        // Every other kind: empty, watched quietly.
        expectQuiet("/api/v1/services", new ServiceListBuilder().withMetadata(rv("1")).build());
        expectQuiet("/api/v1/secrets", new SecretListBuilder().withMetadata(rv("1")).build());
        expectQuiet("/apis/discovery.k8s.io/v1/endpointslices",
                new EndpointSliceListBuilder().withMetadata(rv("1")).build());
        expectQuiet("/apis/networking.k8s.io/v1/ingressclasses",
                new IngressClassListBuilder().withMetadata(rv("1")).build());
    }

    @AfterEach
    void tearDown() throws Exception {
        MockApiServer.closeInOrder(source, context, api);
    }

    private void start() {
        source = new KubernetesSourceFactory().create("kubernetes", TestContext.settings("debounce: 10ms\nevents: false"),
                context, client, t -> { });
        source.start(sink);
    }

    private static io.fabric8.kubernetes.api.model.ListMeta rv(String v) {
        return new ListMetaBuilder().withResourceVersion(v).build();
    }

    private void expectQuiet(String path, KubernetesResource list) {
        server.expect().get().withPath(path + "?resourceVersion=0").andReturn(200, list).always();
        server.expect().get().withPath(path).andReturn(200, list).always(); // a relist reads the latest state
        server.expect().get().withPath(watch(path, "1")).andUpgradeToWebSocket().open().done().always();
    }

    private static String watch(String path, String resourceVersion) {
        return path + "?allowWatchBookmarks=true&resourceVersion=" + resourceVersion
                + "&timeoutSeconds=600&watch=true";
    }

    static Ingress ingress(String path, String resourceVersion) {
        Ingress i = InformerCrudTest.ingress(path, Map.of());
        return new IngressBuilder(i).editMetadata().withResourceVersion(resourceVersion).endMetadata().build();
    }

    private static String pathOf(Fragment f) {
        return f.routes().stream().filter(r -> r.match().path() != null).findFirst().map(r -> r.match().path().value())
                .orElse("");
    }

    private static void assertUniqueNames(Fragment f) {
        Set<String> names = new HashSet<>();
        for (Route r : f.routes()) {
            assertThat(names.add(r.name())).as("duplicate route " + r.name()).isTrue();
        }
    }

    @Test
    void anExpiredWatch410Relists() throws Exception {
        server.expect().get().withPath(INGRESSES + "?resourceVersion=0")
                .andReturn(200, new IngressListBuilder().withMetadata(rv("1")).addToItems(ingress("/before", "1"))
                        .build()).once();
        Status gone = new StatusBuilder().withCode(410).withReason("Expired").withMessage("too old resource version")
                .build();
        server.expect().get().withPath(watch(INGRESSES, "1")).andUpgradeToWebSocket().open()
                .waitFor(100).andEmit(new WatchEvent(gone, "ERROR")).done().once();
        // The relist (a consistent read: no resourceVersion) sees what changed while the watch was gone.
        server.expect().get().withPath(INGRESSES)
                .andReturn(200, new IngressListBuilder().withMetadata(rv("5")).addToItems(ingress("/after", "5"))
                        .build()).once();
        server.expect().get().withPath(watch(INGRESSES, "5")).andUpgradeToWebSocket().open().done().always();
        start();

        assertThat(pathOf(sink.await(f -> !f.routes().isEmpty(), WAIT))).isEqualTo("/before");
        Fragment after = sink.await(f -> pathOf(f).equals("/after"), WAIT);
        assertUniqueNames(after);
        assertThat(after.routes()).hasSize(2);
    }

    @Test
    void aDroppedWatchReconnectsAndReplayedAddsNeverDuplicateRoutes() throws Exception {
        server.expect().get().withPath(INGRESSES + "?resourceVersion=0")
                .andReturn(200, new IngressListBuilder().withMetadata(rv("1")).addToItems(ingress("/v1", "1"))
                        .build()).always();
        // The watch replays the ADD the list already gave, then the connection drops.
        server.expect().get().withPath(watch(INGRESSES, "1")).andUpgradeToWebSocket().open()
                .waitFor(50).andEmit(new WatchEvent(ingress("/v1", "1"), "ADDED"))
                .waitFor(100).andEmit(new WatchEvent(ingress("/v2", "2"), "MODIFIED")).done().once();
        server.expect().get().withPath(watch(INGRESSES, "2")).andUpgradeToWebSocket().open()
                .waitFor(50).andEmit(new WatchEvent(ingress("/v2", "2"), "ADDED"))
                .waitFor(50).andEmit(new WatchEvent(ingress("/v3", "3"), "MODIFIED")).done().always();
        start();

        Fragment v3 = sink.await(f -> pathOf(f).equals("/v3"), WAIT);
        assertUniqueNames(v3);
        assertThat(v3.routes()).hasSize(2);
    }

    @Test
    void anApiServerAnswering500IsReportedUnavailableAndTheSourceRecovers() throws Exception {
        server.expect().get().withPath(INGRESSES + "?resourceVersion=0")
                .andReturn(500, new StatusBuilder().withCode(500).withMessage("etcd unavailable").build()).times(2);
        server.expect().get().withPath(INGRESSES + "?resourceVersion=0")
                .andReturn(200, new IngressListBuilder().withMetadata(rv("1")).addToItems(ingress("/ok", "1"))
                        .build()).always();
        server.expect().get().withPath(watch(INGRESSES, "1")).andUpgradeToWebSocket().open().done().always();
        start();

        assertThat(sink.awaitUnavailable(WAIT)).contains("API server");
        assertThat(pathOf(sink.await(f -> !f.routes().isEmpty(), WAIT))).isEqualTo("/ok");
    }

    @Test
    void anUnreachableApiServerKeepsTheLastStateAndIsReported() throws Exception {
        server.expect().get().withPath(INGRESSES + "?resourceVersion=0")
                .andReturn(200, new IngressListBuilder().withMetadata(rv("1")).addToItems(ingress("/kept", "1"))
                        .build()).always();
        server.expect().get().withPath(watch(INGRESSES, "1")).andUpgradeToWebSocket().open().done().always();
        start();
        Fragment live = sink.await(f -> !f.routes().isEmpty(), WAIT);
        sink.fragments.clear();
        sink.unavailable.clear();

        api.stop(); // the API server goes away: watches drop, reconnects fail

        assertThat(sink.awaitUnavailable(WAIT)).contains("API server");
        assertThat(sink.fragments).as("nothing published while unreachable").isEmpty();
        assertThat(sink.last).isSameAs(live);
    }
}
