package io.tidegate.plugins.support.kubernetes.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The API server stand-in: what it stores and watches, and that its teardown tolerates only the slow shutdown. */
class MockApiServerTest {

    @Test
    void onlyTheTimedOutShutdownIsTolerated() {
        assertThat(MockApiServer.slowShutdown(new IllegalStateException("Unable to close MockWebServer",
                new TimeoutException()))).isTrue();
        assertThat(MockApiServer.slowShutdown(new IllegalStateException("Unable to close MockWebServer",
                new ExecutionException(new RuntimeException("bind"))))).isFalse();
        assertThat(MockApiServer.slowShutdown(new IllegalStateException("Unable to close Vertx",
                new TimeoutException()))).isFalse();
        assertThat(MockApiServer.slowShutdown(new IllegalStateException("shutdown() before start()"))).isFalse();
    }

    @Test
    void aWatchSeesAChangeAndStoppingUnderAnOpenWatchRefusesNewCalls() throws Exception {
        try (MockApiServer api = MockApiServer.crud()) {
            KubernetesClient client = api.client();
            CountDownLatch added = new CountDownLatch(1);
            Watch watch = client.configMaps().inNamespace("shop").watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, ConfigMap resource) {
                    if (action == Action.ADDED && "settings".equals(resource.getMetadata().getName())) {
                        added.countDown();
                    }
                }

                @Override
                public void onClose(WatcherException cause) {
                }
            });
            client.configMaps().inNamespace("shop").resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("settings").endMetadata().build()).create();
            assertThat(added.await(20, TimeUnit.SECONDS)).as("ADDED on the watch").isTrue();

            api.stop(); // the watch is still open: at worst the tolerated 10 s wait
            // A plain client: fabric8's would retry a refused connection with backoff for about 20 s.
            URI configMaps = URI.create(api.server().url("/api/v1/namespaces/shop/configmaps"));
            HttpRequest list = HttpRequest.newBuilder(configMaps).timeout(Duration.ofSeconds(20)).build();
            assertThatThrownBy(() -> HttpClient.newHttpClient().send(list, HttpResponse.BodyHandlers.discarding()))
                    .as("a new connection after stop").isInstanceOf(ConnectException.class);
            watch.close();
        }
    }
}
