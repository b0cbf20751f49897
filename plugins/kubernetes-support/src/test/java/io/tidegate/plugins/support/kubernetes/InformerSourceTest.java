package io.tidegate.plugins.support.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.tidegate.plugins.support.kubernetes.testing.MockApiServer;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.source.FragmentSink;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The informer loop against fabric8's mock API server in CRUD mode, with a translator that only names what
 * the caches hold: the first translation comes once every informer synced, with every watched kind in it
 * and only the watched namespaces; a change is translated again.
 */
class InformerSourceTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private MockApiServer api;
    private KubernetesClient client;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final BlockingQueue<List<String>> translated = new LinkedBlockingQueue<>();
    private final BlockingQueue<Fragment> published = new LinkedBlockingQueue<>();
    private InformerSource<Fragment> source;

    @BeforeEach
    void objects() {
        api = MockApiServer.crud();
        client = api.client();
        client.services().inNamespace("shop").resource(new ServiceBuilder().withNewMetadata().withName("web")
                .endMetadata().build()).create();
        client.services().inNamespace("other").resource(new ServiceBuilder().withNewMetadata().withName("elsewhere")
                .endMetadata().build()).create();
        client.configMaps().inNamespace("shop").resource(new ConfigMapBuilder().withNewMetadata().withName("settings")
                .endMetadata().build()).create();
    }

    @AfterEach
    void close() {
        if (source != null) {
            source.close();
        }
        scheduler.shutdownNow();
        if (api != null) {
            api.close(); // the client's watches close before the server stops
        }
    }

    private void start(List<String> namespaces) {
        ObjectTranslator<Fragment> names = ObjectTranslator.ofFragments(objects -> {
            translated.add(objects.stream().map(InformerSourceTest::name).sorted().toList());
            return new Fragment(List.of(), List.of(), List.of(), List.of(), List.of());
        });
        source = new InformerSource<>(new SourceContext("test", "cluster", scheduler,
                System.getLogger(InformerSourceTest.class.getName())), TestSettings.cluster(namespaces), () -> client,
                false, names, (c, informers) -> {
                    for (String ns : InformerSource.scopes(namespaces)) {
                        informers.add(InformerSource.scope(c.services(), ns));
                        informers.add("ConfigMap", InformerSource.scope(c.configMaps(), ns));
                    }
                }, f -> { });
        source.start(new FragmentSink() {
            @Override
            public void unavailable(String reason) {
            }

            @Override
            public void publish(Fragment fragment) {
                published.add(fragment);
            }
        });
    }

    private static String name(HasMetadata o) {
        return o.getKind() + " " + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
    }

    private <E> E next(BlockingQueue<E> queue) throws InterruptedException {
        E e = queue.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(e).as("within " + WAIT).isNotNull();
        return e;
    }

    @Test
    void theSyncedCachesOfTheWatchedNamespacesAreTranslatedAndAChangeAgain() throws Exception {
        start(List.of("shop"));
        assertThat(next(translated)).containsExactly("ConfigMap shop/settings", "Service shop/web");
        assertThat(next(published)).isNotNull();

        client.services().inNamespace("shop").resource(new ServiceBuilder().withNewMetadata().withName("api")
                .endMetadata().build()).create();
        List<String> after;
        do {
            after = next(translated);
        } while (!after.contains("Service shop/api"));
        assertThat(after).containsExactly("ConfigMap shop/settings", "Service shop/api", "Service shop/web");
    }

    @Test
    void noNamespaceMeansAll() throws Exception {
        start(List.of());
        assertThat(next(translated)).containsExactly("ConfigMap shop/settings", "Service other/elsewhere",
                "Service shop/web");
    }

    @Test
    void aSecondStartIsRefusedNamingTheSource() {
        start(List.of("shop"));
        assertThatThrownBy(() -> source.start(new FragmentSink() {
            @Override
            public void unavailable(String reason) {
            }

            @Override
            public void publish(Fragment fragment) {
            }
        })).isInstanceOf(IllegalStateException.class).hasMessage("test source cluster already started");
    }
}
