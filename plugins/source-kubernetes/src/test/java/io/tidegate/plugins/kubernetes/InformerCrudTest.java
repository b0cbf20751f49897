package io.tidegate.plugins.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.tidegate.plugins.support.kubernetes.testing.MockApiServer;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.source.ConfigSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch loop against fabric8's mock API server in CRUD mode (standing for a real API server: objects
 * created, updated and deleted through the REST API, watches delivering the changes).
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
    private final BlockingQueue<IngressTranslator.Translation> publishes = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() {
        api = MockApiServer.crud();
        client = api.client();
        context = new TestContext(home);
        client.services().inNamespace("shop").resource(service()).create();
        client.discovery().v1().endpointSlices().inNamespace("shop").resource(slice("10.0.0.1")).create();
        client.network().v1().ingresses().inNamespace("shop").resource(ingress("/v1", Map.of())).create();
        source = new KubernetesSourceFactory().create("kubernetes", TestContext.settings("debounce: 10ms"), context,
                client, publishes::add);
        source.start(sink);
    }

    @AfterEach
    void stop() throws Exception {
        MockApiServer.closeInOrder(source, context, api);
    }

    static Service service() {
        return new ServiceBuilder().withNewMetadata().withName("web").withNamespace("shop").endMetadata()
                .withNewSpec().addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString(8080))
                .endPort().endSpec().build();
    }

    static EndpointSlice slice(String... ips) {
        EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withName("web-1").withNamespace("shop")
                .addToLabels(Backends.SERVICE_NAME_LABEL, "web").endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withPort(8080).endPort();
        for (String ip : ips) {
            b.addNewEndpoint().withAddresses(ip).withNewConditions().withReady(true).endConditions().endEndpoint();
        }
        return b.build();
    }

    static Ingress ingress(String path, Map<String, String> annotations) {
        return new IngressBuilder().withNewMetadata().withName("web").withNamespace("shop")
                .withAnnotations(annotations).endMetadata()
                .withNewSpec().withIngressClassName("tidegate")
                .addNewRule().withHost("shop.example.com").withNewHttp().addNewPath().withPath(path)
                .withPathType("Prefix").withNewBackend().withNewService().withName("web").withNewPort()
                .withNumber(80).endPort().endService().endBackend().endPath().endHttp().endRule()
                .endSpec().build();
    }

    private static String pathOf(Fragment f) {
        return f.routes().get(0).match().path().value();
    }

    @Test
    void publishesAfterSyncThenFollowsAddsUpdatesAndDeletes() throws Exception {
        Fragment first = sink.await(f -> !f.routes().isEmpty(), WAIT);
        assertThat(pathOf(first)).isEqualTo("/v1");
        assertThat(first.clusters().get(0).endpoints()).extracting(e -> e.address().toString())
                .containsExactly("10.0.0.1:8080");

        // update: a new path
        client.network().v1().ingresses().inNamespace("shop").resource(ingress("/v2", Map.of())).update();
        assertThat(pathOf(sink.await(f -> !f.routes().isEmpty() && pathOf(f).equals("/v2"), WAIT))).isEqualTo("/v2");

        // endpoints change: a pod became ready
        client.discovery().v1().endpointSlices().inNamespace("shop").resource(slice("10.0.0.1", "10.0.0.2")).update();
        Fragment scaled = sink.await(f -> f.clusters().get(0).endpoints().size() == 2, WAIT);
        assertThat(scaled.routes()).hasSize(2); // the path and the host's catch-all: nothing duplicated

        // delete
        client.network().v1().ingresses().inNamespace("shop").withName("web").delete();
        Fragment empty = sink.await(f -> f.routes().isEmpty(), WAIT);
        assertThat(empty.clusters()).isEmpty();
    }

    @Test
    void writesReceiptsAsEventsOncePerDistinctReceipt() throws Exception {
        sink.await(f -> !f.routes().isEmpty(), WAIT);
        client.network().v1().ingresses().inNamespace("shop").resource(ingress("/v1", Map.of(
                "nginx.ingress.kubernetes.io/proxy-body-size", "1m",
                "nginx.ingress.kubernetes.io/configuration-snippet", "more_set_headers x;"))).update();
        sink.await(f -> f.routes().stream().anyMatch(r -> r.maxRequestBodyBytes() != null), WAIT);
        List<Event> events = awaitEvents(1);
        Event e = events.get(0);
        assertThat(e.getReason()).isEqualTo(EventRecorder.REFUSED);
        assertThat(e.getType()).isEqualTo("Warning");
        assertThat(e.getInvolvedObject().getKind()).isEqualTo("Ingress");
        assertThat(e.getInvolvedObject().getName()).isEqualTo("web");
        assertThat(e.getMessage()).contains("configuration-snippet: refused").contains("proxy-body-size: applied");

        // An unrelated change republishes but writes no second Event for the same receipt.
        client.discovery().v1().endpointSlices().inNamespace("shop").resource(slice("10.0.0.9")).update();
        sink.await(f -> f.clusters().get(0).endpoints().get(0).address().host().equals("10.0.0.9"), WAIT);
        IngressTranslator.Translation t;
        do {
            t = publishes.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(t).as("the translation of the endpoint change").isNotNull();
        } while (!t.fragment().clusters().get(0).endpoints().get(0).address().host().equals("10.0.0.9"));
        ((ClusterSource) source).awaitWrites();
        assertThat(client.v1().events().inNamespace("shop").list().getItems()).hasSize(1);
    }

    @Test
    void aBadIngressIsRejectedAloneWithAnEvent() throws Exception {
        sink.await(f -> !f.routes().isEmpty(), WAIT);
        Ingress bad = new IngressBuilder(ingress("relative", Map.of())).editMetadata().withName("bad").endMetadata()
                .build();
        client.network().v1().ingresses().inNamespace("shop").resource(bad).create();
        Fragment f = sink.await(x -> x.diagnostics().stream().anyMatch(d -> d.object().object()
                .equals("Ingress shop/bad")), WAIT);
        assertThat(f.routes()).anyMatch(r -> r.name().equals("shop/web/r0/p0")
                && r.action() instanceof RouteAction.Forward);
        List<Event> events = awaitEvents(1);
        assertThat(events.get(0).getInvolvedObject().getName()).isEqualTo("bad");
        assertThat(events.get(0).getReason()).isEqualTo(EventRecorder.REJECTED);
    }

    /** The Events in shop once there are at least {@code n}, as a watch on the API server sees them. */
    private List<Event> awaitEvents(int n) throws Exception {
        CompletableFuture<List<Event>> enough = client.v1().events().inNamespace("shop")
                .informOnCondition(items -> items.size() >= n);
        try {
            return enough.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("fewer than " + n + " Events within " + WAIT);
        } finally {
            enough.cancel(true); // stops its informer
        }
    }
}
