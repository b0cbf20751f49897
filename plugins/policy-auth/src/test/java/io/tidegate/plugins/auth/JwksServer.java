package io.tidegate.plugins.auth;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands for an identity provider's JWKS endpoint (Keycloak, Auth0, Dex: {@code /.well-known/jwks.json}):
 * the JDK's HTTP server on 127.0.0.1 port 0, serving whatever key set the test puts there, counting
 * requests so tests can assert how often the gateway asked.
 */
final class JwksServer implements AutoCloseable {

    private final HttpServer server;
    private final AtomicInteger hits = new AtomicInteger();
    private final Semaphore served = new Semaphore(0);
    private volatile String document = "{\"keys\":[]}";
    private volatile int status = 200;

    JwksServer() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/jwks.json", exchange -> {
            hits.incrementAndGet();
            byte[] body = document.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("content-type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
            served.release();
        });
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.start();
    }

    String uri() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json";
    }

    /** Rotates: the next fetch sees this set. */
    void serve(String jwks) {
        document = jwks;
    }

    void status(int status) {
        this.status = status;
    }

    int hits() {
        return hits.get();
    }

    /** Waits until {@code n} more requests have been answered since the last call. */
    void awaitServed(int n) throws InterruptedException {
        if (!served.tryAcquire(n, 10, TimeUnit.SECONDS)) {
            throw new AssertionError("JWKS server did not serve " + n + " request(s)");
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
