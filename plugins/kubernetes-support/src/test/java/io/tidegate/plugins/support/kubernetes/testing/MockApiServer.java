package io.tidegate.plugins.support.kubernetes.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeoutException;

/**
 * The stand-in for the Kubernetes API server: fabric8's {@link KubernetesMockServer} on loopback over HTTPS, set
 * up as fabric8's {@code @EnableKubernetesMockClient} sets it up, but started and stopped by the test.
 *
 * <p>The server's shutdown waits 10 s for its Vert.x server to close and then gives up with
 * {@code IllegalStateException("Unable to close MockWebServer")}, which the extension's teardown lets fail a
 * test whose assertions all passed. It waits on watch connections still open (the extension stops the server
 * before it closes the client), and even with the client closed first it can wait: when a watch's WebSocket
 * closes, fabric8's {@code WatchEventsListener.onClosed} blocks the server's event loop awaiting its event
 * executor (seen as Vert.x "Thread blocked" warnings), so the close cannot finish in time. {@link #close()}
 * closes every client first, so their watches close, and then tolerates that one exception and nothing else.
 * Use it in a try-with-resources block or from an {@code @AfterEach}, after the sources under test are
 * closed.
 */
public final class MockApiServer implements AutoCloseable {

    /** What MockWebServer throws when its Vert.x server did not close within its 10 s wait. */
    static final String SLOW_SHUTDOWN = "Unable to close MockWebServer";

    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final List<KubernetesClient> clients = new ArrayList<>();

    private MockApiServer(boolean crud) {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        // As the extension: CRUD mode still answers expectations first; expectations mode answers nothing else.
        Dispatcher dispatcher = crud ? new KubernetesMixedDispatcher(responses) : new MockDispatcher(responses);
        server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), responses,
                dispatcher, true);
        server.init();
        client = newClient();
    }

    /** An API server that stores objects: created, updated, deleted, listed and watched through the REST API. */
    public static MockApiServer crud() {
        return new MockApiServer(true);
    }

    /** An API server that answers only what the test expects ({@code server().expect()...}), failures included. */
    public static MockApiServer expectations() {
        return new MockApiServer(false);
    }

    /** fabric8's server: expectations, recorded requests. Stop it with {@link #stop()}, not {@code destroy()}. */
    public KubernetesMockServer server() {
        return server;
    }

    /** The test's client, made at start. */
    public KubernetesClient client() {
        return client;
    }

    /** Another client of this server (a second replica's), closed with the others by {@link #close()}. */
    public synchronized KubernetesClient newClient() {
        KubernetesClient c = server.createClient();
        clients.add(c);
        return c;
    }

    /**
     * The API server goes away, with whatever clients still connected: new connections are refused at once. The
     * shutdown may wait the 10 s and give up on the connections still open (they are closed after it); that
     * exception is tolerated, any other is thrown.
     */
    public void stop() {
        try {
            server.destroy(); // a second call returns at once
        } catch (IllegalStateException e) {
            if (!slowShutdown(e)) {
                throw e;
            }
            // The test server's own teardown, not the behaviour under test, which the test asserts itself.
            System.err.println("MockApiServer: tolerated a slow shutdown (" + e.getMessage() + ")");
        }
    }

    /** Whether {@code e} is MockWebServer giving up its 10 s wait for connections to close, and nothing else. */
    static boolean slowShutdown(IllegalStateException e) {
        return SLOW_SHUTDOWN.equals(e.getMessage()) && e.getCause() instanceof TimeoutException;
    }

    /**
     * A test's teardown: closes those of {@code parts} that were made (a set-up may fail part way), in order. Put
     * the source first and the server last, so the clients' watches close before the server stops.
     */
    public static void closeInOrder(AutoCloseable... parts) throws Exception {
        for (AutoCloseable part : parts) {
            if (part != null) {
                part.close();
            }
        }
    }

    /** Closes every client (their watches close), then {@link #stop() stops} the server. */
    @Override
    public void close() {
        List<KubernetesClient> open;
        synchronized (this) {
            open = List.copyOf(clients);
            clients.clear();
        }
        try {
            for (KubernetesClient c : open) {
                c.close();
            }
        } finally {
            stop();
        }
    }
}
