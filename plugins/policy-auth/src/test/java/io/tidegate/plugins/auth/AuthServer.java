package io.tidegate.plugins.auth;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Stands for an external auth service (oauth2-proxy, Authelia, an ext_authz HTTP server): the JDK's
 * HTTP server on 127.0.0.1 port 0. Its answer depends on the request's {@code Authorization}:
 * {@code Bearer good} is 200 with identity headers; {@code Bearer slow} never answers until closed;
 * no header is 302 to a login page; anything else is 401 with a challenge and a body.
 */
final class AuthServer implements AutoCloseable {

    private final HttpServer server;
    private final CountDownLatch release = new CountDownLatch(1);
    final BlockingQueue<Map<String, List<String>>> seen = new LinkedBlockingQueue<>();

    AuthServer() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/check", this::handle);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/check";
    }

    private void handle(HttpExchange ex) throws IOException {
        seen.add(Map.copyOf(ex.getRequestHeaders()));
        String auth = ex.getRequestHeaders().getFirst("authorization");
        if ("Bearer slow".equals(auth)) {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
            return;
        }
        if ("Bearer good".equals(auth)) {
            ex.getResponseHeaders().add("X-Auth-User", "alice");
            ex.getResponseHeaders().add("X-Auth-Groups", "admins");
            ex.getResponseHeaders().add("X-Internal", "not copied");
            ex.sendResponseHeaders(200, -1);
        } else if (auth == null) {
            ex.getResponseHeaders().add("Location", "https://login.test/?rd=" + ex.getRequestHeaders().getFirst("x-original-url"));
            ex.sendResponseHeaders(302, -1);
        } else if ("Bearer big".equals(auth)) {
            byte[] body = "x".repeat(100_000).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(403, body.length);
            ex.getResponseBody().write(body);
        } else {
            byte[] body = "token expired, log in again".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"sso\"");
            ex.getResponseHeaders().add("X-Debug", "secret detail");
            ex.sendResponseHeaders(401, body.length);
            ex.getResponseBody().write(body);
        }
        ex.close();
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
