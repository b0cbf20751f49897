package io.tidegate.plugins.consul.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * Stands for a <b>Consul agent</b> (HTTP API v1) in tests: a real HTTP server on 127.0.0.1, port 0,
 * holding a scripted catalog, health checks and KV store. It implements the shapes a Consul 1.x agent
 * answers with, so the real client library talks to it unchanged:
 * <ul>
 *   <li>{@code GET /v1/catalog/services}: {@code {"name": ["tag", ...]}}, the union of each service's
 *       instance tags;
 *   <li>{@code GET /v1/health/service/<name>[?passing]}: {@code [{"Node": {...}, "Service": {...},
 *       "Checks": [...]}]} with a node check ({@code serfHealth}) and one service check per instance;
 *       {@code passing} keeps only instances whose every check is {@code passing} (as Consul does:
 *       warning and critical are both filtered out);
 *   <li>{@code GET /v1/kv/<key>} with {@code recurse} (every key under the prefix), {@code keys} (the
 *       key names) or neither (that one key); values base64-encoded; 404 with an index when nothing
 *       matches;
 *   <li><b>blocking queries:</b> every answer carries a monotonic {@code X-Consul-Index} (one raft
 *       index, bumped by every change; each resource reports the index of its own last change), plus
 *       {@code X-Consul-KnownLeader} and {@code X-Consul-LastContact}. A request with {@code index=N}
 *       (N &gt; 0) is held until its resource's index exceeds N or {@code wait} expires (Consul's
 *       {@code index <= minQueryIndex} rule), and then answered with the current state;
 *   <li>{@code dc}: a datacenter other than {@code dc1} answers 500 "No path to datacenter";
 *       {@code X-Consul-Token}, when a token is required, must match or the answer is 403
 *       "ACL not found".
 * </ul>
 * Scripting: {@link #register}, {@link #deregister}, {@link #setCheck}, {@link #putKv},
 * {@link #deleteKv}; faults: {@link #failNext} and {@link #failPath} (HTTP errors), {@link #dropNext} (connections closed
 * without an answer), {@link #setDown} (an agent that is gone), {@link #restoreIndex} (the index goes
 * backwards, as after a snapshot restore), {@link #reportZeroIndex} (the index-0 bug Consul's docs warn
 * about). Tests await held queries with {@link #awaitHeld} rather than sleeping.
 */
public final class ConsulTestServer implements AutoCloseable {

    /** A request as the agent received it. */
    public record Seen(String path, Map<String, String> query, String token, long atNanos) {
        public long index() {
            String i = query.get("index");
            return i == null ? 0 : Long.parseLong(i);
        }
    }

    /** A registered instance. */
    public static final class Instance {
        final String service;
        final String id;
        final String node;
        final String nodeAddress;
        final String address;
        final int port;
        final List<String> tags;
        final Map<String, String> meta;
        final int passingWeight;
        final int warningWeight;
        String status = "passing";
        long createIndex;
        long modifyIndex;

        Instance(String service, String id, String node, String nodeAddress, String address, int port,
                 List<String> tags, Map<String, String> meta, int passingWeight, int warningWeight) {
            this.service = service;
            this.id = id;
            this.node = node;
            this.nodeAddress = nodeAddress;
            this.address = address;
            this.port = port;
            this.tags = List.copyOf(tags);
            this.meta = Map.copyOf(meta);
            this.passingWeight = passingWeight;
            this.warningWeight = warningWeight;
        }
    }

    private record KvValue(String value, long createIndex, long modifyIndex) { }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final HttpServer server;
    private final ExecutorService executor;

    // Guarded by lock.
    private long raft = 10;
    private long catalogIndex = 10;
    private long kvTableIndex = 10;
    private final Map<String, Instance> instances = new LinkedHashMap<>();
    private final Map<String, Long> serviceIndex = new TreeMap<>();
    private final TreeMap<String, KvValue> kv = new TreeMap<>();
    private final TreeMap<String, Long> tombstones = new TreeMap<>();
    private final List<Seen> seen = new ArrayList<>();
    private final List<Seen> held = new ArrayList<>();
    private int failNext;
    private int failStatus;
    private int dropNext;
    private boolean down;
    private boolean zeroIndex;
    private String requiredToken;
    private final Map<String, Integer> failingPaths = new LinkedHashMap<>();

    private final boolean tls;

    private ConsulTestServer(SSLContext sslContext, boolean needClientAuth) throws IOException {
        InetSocketAddress bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (sslContext == null) {
            server = HttpServer.create(bind, 64);
        } else {
            HttpsServer https = HttpsServer.create(bind, 64);
            https.setHttpsConfigurator(new HttpsConfigurator(sslContext) {
                @Override
                public void configure(HttpsParameters params) {
                    SSLParameters p = sslContext.getDefaultSSLParameters();
                    p.setNeedClientAuth(needClientAuth);
                    params.setSSLParameters(p);
                }
            });
            server = https;
        }
        tls = sslContext != null;
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "consul-test-server");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public static ConsulTestServer start() throws IOException {
        return new ConsulTestServer(null, false);
    }

    /** An agent serving HTTPS (Consul's {@code https} port) with {@code sslContext}; optionally requiring client certificates ({@code verify_incoming}). */
    public static ConsulTestServer startHttps(SSLContext sslContext, boolean needClientAuth) throws IOException {
        return new ConsulTestServer(sslContext, needClientAuth);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public URI address() {
        return URI.create((tls ? "https" : "http") + "://127.0.0.1:" + port());
    }

    // ---- scripting -------------------------------------------------------------------------------

    /** Registers (or re-registers) an instance on node {@code node-<id>} at {@code address}, passing. */
    public void register(String service, String id, String address, int port, String... tags) {
        register(service, id, "node-" + id, address, address, port, List.of(tags), Map.of(), 1, 1);
    }

    /** Registers an instance with every field Consul keeps. */
    public void register(String service, String id, String node, String nodeAddress, String address, int port,
                         List<String> tags, Map<String, String> meta, int passingWeight, int warningWeight) {
        lock.lock();
        try {
            long i = ++raft;
            Instance instance = new Instance(service, id, node, nodeAddress, address, port, tags, meta,
                    passingWeight, warningWeight);
            Instance previous = instances.put(id, instance);
            instance.createIndex = previous == null ? i : previous.createIndex;
            instance.modifyIndex = i;
            if (previous != null) {
                instance.status = previous.status;
                serviceIndex.put(previous.service, i);
            }
            serviceIndex.put(service, i);
            catalogIndex = i;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public void deregister(String id) {
        lock.lock();
        try {
            Instance gone = instances.remove(id);
            if (gone == null) {
                throw new IllegalArgumentException("no instance " + id);
            }
            long i = ++raft;
            serviceIndex.put(gone.service, i);
            catalogIndex = i;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Sets the service check of instance {@code id}: passing, warning or critical. */
    public void setCheck(String id, String status) {
        if (!List.of("passing", "warning", "critical").contains(status)) {
            throw new IllegalArgumentException(status);
        }
        lock.lock();
        try {
            Instance instance = instances.get(id);
            if (instance == null) {
                throw new IllegalArgumentException("no instance " + id);
            }
            instance.status = status;
            long i = ++raft;
            serviceIndex.put(instance.service, i); // the checks table index of the service
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public void putKv(String key, String value) {
        lock.lock();
        try {
            long i = ++raft;
            KvValue previous = kv.get(key);
            kv.put(key, new KvValue(value, previous == null ? i : previous.createIndex(), i));
            tombstones.remove(key);
            kvTableIndex = i;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public void deleteKv(String key) {
        lock.lock();
        try {
            if (kv.remove(key) != null) {
                long i = ++raft;
                tombstones.put(key, i);
                kvTableIndex = i;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** A change that touches nothing a query reads (another table): bumps the raft index only. */
    public void unrelatedWrite() {
        lock.lock();
        try {
            raft++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ---- faults ----------------------------------------------------------------------------------

    /** The next {@code n} requests answer {@code status} (e.g. 500) with a Consul-style text body. */
    public void failNext(int n, int status) {
        lock.lock();
        try {
            failNext = n;
            failStatus = status;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Every request on {@code path} answers {@code status} until called again with status 0. */
    public void failPath(String path, int status) {
        lock.lock();
        try {
            if (status == 0) {
                failingPaths.remove(path);
            } else {
                failingPaths.put(path, status);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The next {@code n} requests have their connection closed without an answer. */
    public void dropNext(int n) {
        lock.lock();
        try {
            dropNext = n;
        } finally {
            lock.unlock();
        }
    }

    /** Down: every request, and every query held now, has its connection closed without an answer. */
    public void setDown(boolean isDown) {
        lock.lock();
        try {
            down = isDown;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The index goes backwards, as when a server restores an older snapshot: the raft index becomes
     * {@code index} and no resource reports a higher one. Held queries keep waiting (Consul holds while
     * the index is at most the one asked for) until {@code wait} expires.
     */
    public void restoreIndex(long index) {
        lock.lock();
        try {
            raft = index;
            catalogIndex = Math.min(catalogIndex, index);
            kvTableIndex = Math.min(kvTableIndex, index);
            serviceIndex.replaceAll((s, i) -> Math.min(i, index));
        } finally {
            lock.unlock();
        }
    }

    /** Answers with {@code X-Consul-Index: 0}, the bug Consul's docs tell clients to guard against. */
    public void reportZeroIndex(boolean zero) {
        lock.lock();
        try {
            zeroIndex = zero;
        } finally {
            lock.unlock();
        }
    }

    /** Requires this token in {@code X-Consul-Token}; null: no ACLs. */
    public void requireToken(String token) {
        lock.lock();
        try {
            requiredToken = token;
        } finally {
            lock.unlock();
        }
    }

    // ---- observation -----------------------------------------------------------------------------

    /** Every request received so far, in order. */
    public List<Seen> requests() {
        lock.lock();
        try {
            return List.copyOf(seen);
        } finally {
            lock.unlock();
        }
    }

    /** The current index of {@code /v1/health/service/<service>}. */
    public long healthIndex(String service) {
        lock.lock();
        try {
            return Math.max(1, serviceIndex.getOrDefault(service, catalogIndex));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until a blocking query on {@code path} (e.g. {@code /v1/health/service/web}) is held with an
     * index of at least {@code minIndex}.
     */
    public Seen awaitHeld(String path, long minIndex, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                for (Seen s : held) {
                    if (s.path().equals(path) && s.index() >= minIndex) {
                        return s;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no blocking query on " + path + " with index >= " + minIndex
                            + " held within " + timeout + "; last requests: " + tail());
                }
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Waits until {@code count} requests on {@code path} were received in all. */
    public void awaitRequests(String path, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (seen.stream().filter(s -> s.path().equals(path)).count() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(count + " requests on " + path + " not received within " + timeout
                            + "; last requests: " + tail());
                }
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    private List<Seen> tail() {
        return seen.subList(Math.max(0, seen.size() - 12), seen.size());
    }

    @Override
    public void close() {
        setDown(true);
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- the API ---------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            String token = exchange.getRequestHeaders().getFirst("X-Consul-Token");
            Seen request = new Seen(URLDecoder.decode(path, StandardCharsets.UTF_8), query, token, System.nanoTime());
            Answer answer;
            lock.lock();
            try {
                seen.add(request);
                changed.signalAll();
                if (down || dropNext > 0) {
                    if (dropNext > 0) {
                        dropNext--;
                    }
                    return; // closed without an answer: the connection drops
                }
                if (failNext > 0) {
                    failNext--;
                    answer = new Answer(failStatus, "Unexpected response code: " + failStatus + " (rpc error: scripted)", raft, false);
                } else if (failingPaths.containsKey(request.path())) {
                    int status = failingPaths.get(request.path());
                    answer = new Answer(status, "Unexpected response code: " + status + " (rpc error: scripted)", raft, false);
                } else if (requiredToken != null && !requiredToken.equals(token)) {
                    answer = new Answer(403, "ACL not found", raft, false);
                } else if (query.containsKey("dc") && !query.get("dc").equals("dc1")) {
                    answer = new Answer(500, "No path to datacenter", raft, false);
                } else if (!"GET".equals(exchange.getRequestMethod())) {
                    answer = new Answer(405, "method not allowed", raft, false);
                } else {
                    answer = blockingAnswer(request);
                    if (answer == null) {
                        return; // went down while held: the connection drops
                    }
                }
            } finally {
                lock.unlock();
            }
            byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
            var headers = exchange.getResponseHeaders();
            headers.set("X-Consul-Index", Long.toString(answer.index()));
            headers.set("X-Consul-KnownLeader", "true");
            headers.set("X-Consul-LastContact", "0");
            headers.set("Content-Type", answer.json() ? "application/json" : "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the client went away
        }
    }

    private record Answer(int status, String body, long index, boolean json) { }

    /** Guarded by lock: holds a blocking query, then answers with the current state. */
    private Answer blockingAnswer(Seen request) {
        long min = request.index();
        long deadline = System.nanoTime() + waitOf(request.query()).toNanos();
        if (min > 0) {
            held.add(request);
            changed.signalAll();
            try {
                while (!down && failNext == 0 && currentIndex(request) <= min) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    changed.awaitNanos(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } finally {
                held.remove(request);
            }
            if (down) {
                return null;
            }
            if (failNext > 0) {
                failNext--;
                return new Answer(failStatus, "Unexpected response code: " + failStatus + " (rpc error: scripted)", raft, false);
            }
        }
        Answer answer = read(request);
        return zeroIndex ? new Answer(answer.status(), answer.body(), 0, answer.json()) : answer;
    }

    private static Duration waitOf(Map<String, String> query) {
        String w = query.get("wait");
        if (w == null) {
            return Duration.ofMinutes(5); // Consul's default
        }
        Duration d;
        if (w.endsWith("ms")) {
            d = Duration.ofMillis(Long.parseLong(w.substring(0, w.length() - 2)));
        } else if (w.endsWith("s")) {
            d = Duration.ofSeconds(Long.parseLong(w.substring(0, w.length() - 1)));
        } else if (w.endsWith("m")) {
            d = Duration.ofMinutes(Long.parseLong(w.substring(0, w.length() - 1)));
        } else {
            d = Duration.ofSeconds(Long.parseLong(w));
        }
        return d.compareTo(Duration.ofMinutes(10)) > 0 ? Duration.ofMinutes(10) : d;
    }

    /** Guarded by lock. */
    private long currentIndex(Seen request) {
        String path = request.path();
        if (path.equals("/v1/catalog/services")) {
            return Math.max(1, catalogIndex);
        }
        if (path.startsWith("/v1/health/service/")) {
            return Math.max(1, serviceIndex.getOrDefault(path.substring("/v1/health/service/".length()), catalogIndex));
        }
        if (path.startsWith("/v1/kv/")) {
            String key = path.substring("/v1/kv/".length());
            boolean prefix = request.query().containsKey("recurse") || request.query().containsKey("keys");
            long max = 0;
            for (Map.Entry<String, KvValue> e : (prefix ? kv.tailMap(key, true) : kv.subMap(key, true, key, true)).entrySet()) {
                if (!e.getKey().startsWith(key)) {
                    break;
                }
                max = Math.max(max, e.getValue().modifyIndex());
            }
            for (Map.Entry<String, Long> e : (prefix ? tombstones.tailMap(key, true) : tombstones.subMap(key, true, key, true)).entrySet()) {
                if (!e.getKey().startsWith(key)) {
                    break;
                }
                max = Math.max(max, e.getValue());
            }
            return Math.max(1, max == 0 ? kvTableIndex : max);
        }
        return Math.max(1, raft);
    }

    /** Guarded by lock. */
    private Answer read(Seen request) {
        String path = request.path();
        long index = currentIndex(request);
        if (path.equals("/v1/catalog/services")) {
            Map<String, TreeSet<String>> services = new TreeMap<>();
            for (Instance i : instances.values()) {
                services.computeIfAbsent(i.service, s -> new TreeSet<>()).addAll(i.tags);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            services.forEach((s, tags) -> out.put(s, new ArrayList<>(tags)));
            return new Answer(200, Json.write(out), index, true);
        }
        if (path.startsWith("/v1/health/service/")) {
            String service = path.substring("/v1/health/service/".length());
            boolean passing = request.query().containsKey("passing")
                    && !"false".equals(request.query().get("passing"));
            List<Object> out = new ArrayList<>();
            for (Instance i : instances.values()) {
                if (!i.service.equals(service) || (passing && !i.status.equals("passing"))) {
                    continue;
                }
                out.add(healthEntry(i));
            }
            return new Answer(200, Json.write(out), index, true);
        }
        if (path.startsWith("/v1/kv/")) {
            String key = path.substring("/v1/kv/".length());
            Map<String, String> q = request.query();
            List<Map.Entry<String, KvValue>> matches = new ArrayList<>();
            if (q.containsKey("recurse") || q.containsKey("keys")) {
                for (Map.Entry<String, KvValue> e : kv.tailMap(key, true).entrySet()) {
                    if (!e.getKey().startsWith(key)) {
                        break;
                    }
                    matches.add(e);
                }
            } else if (kv.containsKey(key)) {
                matches.add(Map.entry(key, kv.get(key)));
            }
            if (matches.isEmpty()) {
                return new Answer(404, "", index, false);
            }
            List<Object> out = new ArrayList<>();
            for (Map.Entry<String, KvValue> e : matches) {
                if (q.containsKey("keys")) {
                    out.add(e.getKey());
                    continue;
                }
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("LockIndex", 0);
                entry.put("Key", e.getKey());
                entry.put("Flags", 0);
                entry.put("Value", e.getValue().value() == null ? null
                        : Base64.getEncoder().encodeToString(e.getValue().value().getBytes(StandardCharsets.UTF_8)));
                entry.put("CreateIndex", e.getValue().createIndex());
                entry.put("ModifyIndex", e.getValue().modifyIndex());
                out.add(entry);
            }
            return new Answer(200, Json.write(out), index, true);
        }
        return new Answer(404, "Invalid URL path: not a recognized HTTP API endpoint", index, false);
    }

    private static Map<String, Object> healthEntry(Instance i) {
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("ID", "00000000-0000-0000-0000-" + String.format("%012d", Math.abs(i.node.hashCode())));
        node.put("Node", i.node);
        node.put("Address", i.nodeAddress);
        node.put("Datacenter", "dc1");
        node.put("TaggedAddresses", Map.of("lan", i.nodeAddress, "wan", i.nodeAddress));
        node.put("Meta", Map.of("consul-network-segment", ""));
        node.put("CreateIndex", i.createIndex);
        node.put("ModifyIndex", i.createIndex);
        Map<String, Object> service = new LinkedHashMap<>();
        service.put("ID", i.id);
        service.put("Service", i.service);
        service.put("Tags", i.tags);
        service.put("Address", i.address);
        service.put("Meta", i.meta);
        service.put("Port", i.port);
        service.put("Weights", Map.of("Passing", i.passingWeight, "Warning", i.warningWeight));
        service.put("EnableTagOverride", false);
        service.put("CreateIndex", i.createIndex);
        service.put("ModifyIndex", i.modifyIndex);
        List<Object> checks = new ArrayList<>();
        checks.add(check(i, "serfHealth", "Serf Health Status", "passing", "", "", List.of()));
        checks.add(check(i, "service:" + i.id, "Service '" + i.service + "' check", i.status, i.id, i.service, i.tags));
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("Node", node);
        entry.put("Service", service);
        entry.put("Checks", checks);
        return entry;
    }

    private static Map<String, Object> check(Instance i, String id, String name, String status, String serviceId,
                                             String serviceName, Collection<String> tags) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("Node", i.node);
        c.put("CheckID", id);
        c.put("Name", name);
        c.put("Status", status);
        c.put("Notes", "");
        c.put("Output", status.equals("passing") ? "HTTP GET: 200 OK" : "HTTP GET: 503 Service Unavailable");
        c.put("ServiceID", serviceId);
        c.put("ServiceName", serviceName);
        c.put("ServiceTags", new ArrayList<>(tags));
        c.put("Type", serviceId.isEmpty() ? "" : "http");
        c.put("CreateIndex", i.createIndex);
        c.put("ModifyIndex", i.modifyIndex);
        return c;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            q.put(k, v);
        }
        return q;
    }

}
