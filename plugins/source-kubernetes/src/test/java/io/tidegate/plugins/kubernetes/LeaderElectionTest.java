package io.tidegate.plugins.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.tidegate.spi.source.ConfigSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateway replicas against one API server (fabric8's mock server in CRUD mode, standing for the
 * cluster's API server and its coordination.k8s.io Leases): exactly one leads and writes
 * {@code status.loadBalancer}; when it goes away, the other takes over.
 */
@EnableKubernetesMockClient(crud = true)
class LeaderElectionTest {

    static final Duration WAIT = Duration.ofSeconds(15);

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path home;

    private TestContext context;
    private ClusterSource first;
    private ClusterSource second;

    @BeforeEach
    void setUp() {
        context = new TestContext(home);
        client.services().inNamespace("shop").resource(InformerCrudTest.service()).create();
        client.network().v1().ingresses().inNamespace("shop").resource(InformerCrudTest.ingress("/", Map.of()))
                .create();
    }

    @AfterEach
    void tearDown() {
        if (first != null) {
            first.close();
        }
        if (second != null) {
            second.close();
        }
        context.close();
        // Its watches close now, before the extension stops the mock API server: the server's shutdown waits
        // for open connections longer than the extension's 10 s (seen as "Unable to close MockWebServer").
        client.close();
    }

    private ClusterSource replica(String address) {
        ClusterSource s = (ClusterSource) new KubernetesSourceFactory().create("kubernetes", TestContext.settings("""
                debounce: 10ms
                events: false
                leaseDuration: 1500ms
                leaseNamespace: tidegate
                publishAddress: %s
                """.formatted(address)), context, server.createClient(), t -> { });
        s.start(new RecordingSink());
        return s;
    }

    private String published() {
        Ingress i = client.network().v1().ingresses().inNamespace("shop").withName("web").get();
        if (i.getStatus() == null || i.getStatus().getLoadBalancer() == null
                || i.getStatus().getLoadBalancer().getIngress() == null
                || i.getStatus().getLoadBalancer().getIngress().isEmpty()) {
            return null;
        }
        return i.getStatus().getLoadBalancer().getIngress().get(0).getIp();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " did not happen within " + WAIT);
            }
            TimeUnit.MILLISECONDS.sleep(25); // polling the API server's state, not synchronising threads
        }
    }

    @Test
    void exactlyOneReplicaLeadsAndWritesStatusAndTheOtherTakesOver() throws Exception {
        first = replica("203.0.113.1");
        await(first::leading, "first replica leading");
        second = replica("203.0.113.2");
        await(() -> "203.0.113.1".equals(published()), "status written by the leader");
        assertThat(second.leading()).isFalse();
        assertThat(client.leases().inNamespace("tidegate").withName("tidegate-tidegate").get()).isNotNull();

        first.close(); // releases the Lease
        first = null;
        await(second::leading, "second replica taking over");
        await(() -> "203.0.113.2".equals(published()), "status written by the new leader");
    }
}
