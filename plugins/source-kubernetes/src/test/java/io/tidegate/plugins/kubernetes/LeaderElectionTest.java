package io.tidegate.plugins.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.tidegate.plugins.support.kubernetes.testing.MockApiServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateway replicas against one API server (fabric8's mock server in CRUD mode, standing for the
 * cluster's API server and its coordination.k8s.io Leases): exactly one leads and writes
 * {@code status.loadBalancer}; when it goes away, the other takes over.
 */
class LeaderElectionTest {

    static final Duration WAIT = Duration.ofSeconds(15);

    private MockApiServer api;
    private KubernetesClient client;

    @TempDir
    Path home;

    private TestContext context;
    private ClusterSource first;
    private ClusterSource second;

    @BeforeEach
    void setUp() {
        api = MockApiServer.crud();
        client = api.client();
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
        if (context != null) {
            context.close();
        }
        if (api != null) {
            api.close(); // every replica's client closes (its watches with it) before the server stops
        }
    }

    private ClusterSource replica(String address) {
        ClusterSource s = (ClusterSource) new KubernetesSourceFactory().create("kubernetes", TestContext.settings("""
                debounce: 10ms
                events: false
                leaseDuration: 1500ms
                leaseNamespace: tidegate
                publishAddress: %s
                """.formatted(address)), context, api.newClient(), t -> { });
        s.start(new RecordingSink());
        return s;
    }

    private static String published(Ingress i) {
        if (i == null || i.getStatus() == null || i.getStatus().getLoadBalancer() == null
                || i.getStatus().getLoadBalancer().getIngress() == null
                || i.getStatus().getLoadBalancer().getIngress().isEmpty()) {
            return null;
        }
        return i.getStatus().getLoadBalancer().getIngress().get(0).getIp();
    }

    private static void awaitLeading(ClusterSource replica, String what) throws InterruptedException {
        if (!replica.awaitLeading(WAIT)) {
            throw new AssertionError(what + " did not happen within " + WAIT);
        }
    }

    /** Waits, on a watch of the API server, until the Ingress's status names {@code ip}. */
    private void awaitPublished(String ip, String what) {
        try {
            client.network().v1().ingresses().inNamespace("shop").withName("web")
                    .waitUntilCondition(i -> ip.equals(published(i)), WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            throw new AssertionError(what + " did not happen within " + WAIT, e);
        }
    }

    @Test
    void exactlyOneReplicaLeadsAndWritesStatusAndTheOtherTakesOver() throws Exception {
        first = replica("203.0.113.1");
        awaitLeading(first, "first replica leading");
        second = replica("203.0.113.2");
        awaitPublished("203.0.113.1", "status written by the leader");
        assertThat(second.leading()).isFalse();
        assertThat(client.leases().inNamespace("tidegate").withName("tidegate-tidegate").get()).isNotNull();

        first.close(); // releases the Lease
        first = null;
        awaitLeading(second, "second replica taking over");
        awaitPublished("203.0.113.2", "status written by the new leader");
    }
}
