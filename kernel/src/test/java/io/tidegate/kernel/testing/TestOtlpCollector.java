package io.tidegate.kernel.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for the OpenTelemetry Collector's OTLP/HTTP receiver ({@code otlpreceiver}, {@code POST /v1/traces}
 * with {@code Content-Type: application/x-protobuf}): a real HTTP server on loopback port 0 that decodes
 * each {@code ExportTraceServiceRequest} from the protobuf wire format, independently of the gateway's
 * encoder, and answers 200 with an empty {@code ExportTraceServiceResponse} (or a scripted status).
 */
public final class TestOtlpCollector implements AutoCloseable {

    /** A decoded span with its resource's attributes. */
    public record Span(String traceId, String spanId, String parentSpanId, String traceState, String name, long kind,
                       long startNanos, long endNanos, Map<String, Object> attributes, long statusCode,
                       String statusMessage, long flags, Map<String, Object> resource, String scope) {
    }

    /** One export request as received. */
    public record Request(String contentType, Map<String, String> headers, List<Span> spans) {
    }

    private final HttpServer server;
    private final BlockingQueue<Span> spans = new LinkedBlockingQueue<>();
    private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedQueue<Integer> script = new ConcurrentLinkedQueue<>();
    private final AtomicInteger posts = new AtomicInteger();

    private TestOtlpCollector() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "test-otlp-collector");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/v1/traces", this::handle);
        server.start();
    }

    public static TestOtlpCollector start() throws IOException {
        return new TestOtlpCollector();
    }

    /** The traces endpoint, as {@code tracing.otlp.endpoint} takes it. */
    public java.net.URI endpoint() {
        return java.net.URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces");
    }

    /** The next export requests are answered with these statuses (with {@code Retry-After: 0}), in order. */
    public void answerNext(int... statuses) {
        for (int s : statuses) {
            script.add(s);
        }
    }

    /** POST requests received, whatever they were answered. */
    public int posts() {
        return posts.get();
    }

    /** The next span received (in export order), waiting up to 10 s. */
    public Span nextSpan() throws InterruptedException {
        Span s = spans.poll(10, TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("the collector received no span within 10s");
        }
        return s;
    }

    /** The next accepted export request, waiting up to 10 s. */
    public Request nextRequest() throws InterruptedException {
        Request r = requests.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("the collector accepted no export request within 10s");
        }
        return r;
    }

    /** Spans received and not yet taken. */
    public List<Span> receivedSpans() {
        return new ArrayList<>(spans);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readAllBytes();
            posts.incrementAndGet();
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            Integer scripted = script.poll();
            if (scripted != null && scripted != 200) {
                exchange.getResponseHeaders().set("Retry-After", "0");
                exchange.sendResponseHeaders(scripted, -1);
                return;
            }
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v.get(0)));
            List<Span> decoded = decode(body);
            requests.add(new Request(headers.get("content-type"), headers, decoded));
            spans.addAll(decoded);
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1); // an empty ExportTraceServiceResponse: full success
        }
    }

    // ---- a minimal protobuf reader, for the messages of opentelemetry-proto's trace service ----------

    /** The spans of an encoded {@code ExportTraceServiceRequest}. */
    public static List<Span> decode(byte[] body) {
        List<Span> out = new ArrayList<>();
        for (Object rs : fields(body).getOrDefault(1, List.of())) { // resource_spans
            Map<Integer, List<Object>> resourceSpans = fields((byte[]) rs);
            Map<String, Object> resource = new LinkedHashMap<>();
            for (Object r : resourceSpans.getOrDefault(1, List.of())) { // resource
                attributes(fields((byte[]) r).getOrDefault(1, List.of()), resource);
            }
            for (Object ss : resourceSpans.getOrDefault(2, List.of())) { // scope_spans
                Map<Integer, List<Object>> scopeSpans = fields((byte[]) ss);
                String scope = scopeSpans.containsKey(1) ? string(fields((byte[]) scopeSpans.get(1).get(0)), 1) : null;
                for (Object sp : scopeSpans.getOrDefault(2, List.of())) {
                    out.add(span(fields((byte[]) sp), resource, scope));
                }
            }
        }
        return out;
    }

    private static Span span(Map<Integer, List<Object>> f, Map<String, Object> resource, String scope) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes(f.getOrDefault(9, List.of()), attributes);
        long statusCode = 0;
        String statusMessage = null;
        if (f.containsKey(15)) {
            Map<Integer, List<Object>> status = fields((byte[]) f.get(15).get(0));
            statusCode = number(status, 3);
            statusMessage = string(status, 2);
        }
        return new Span(hex(f, 1), hex(f, 2), hex(f, 4), string(f, 3), string(f, 5), number(f, 6), number(f, 7),
                number(f, 8), attributes, statusCode, statusMessage, number(f, 16), resource, scope);
    }

    private static void attributes(List<Object> keyValues, Map<String, Object> into) {
        for (Object kv : keyValues) {
            Map<Integer, List<Object>> f = fields((byte[]) kv);
            Map<Integer, List<Object>> any = fields((byte[]) f.get(2).get(0));
            Object value = any.containsKey(1) ? string(any, 1) : any.containsKey(3) ? (Object) number(any, 3) : null;
            into.put(string(f, 1), value);
        }
    }

    private static String hex(Map<Integer, List<Object>> f, int field) {
        return f.containsKey(field) ? HexFormat.of().formatHex((byte[]) f.get(field).get(0)) : null;
    }

    private static String string(Map<Integer, List<Object>> f, int field) {
        return f.containsKey(field) ? new String((byte[]) f.get(field).get(0), StandardCharsets.UTF_8) : null;
    }

    private static long number(Map<Integer, List<Object>> f, int field) {
        return f.containsKey(field) ? ((Number) f.get(field).get(0)).longValue() : 0;
    }

    /** Field number to values: varints and fixed64 as Long, fixed32 as Integer, length-delimited as byte[]. */
    static Map<Integer, List<Object>> fields(byte[] message) {
        Map<Integer, List<Object>> out = new LinkedHashMap<>();
        int[] pos = {0};
        while (pos[0] < message.length) {
            long tag = varint(message, pos);
            int field = (int) (tag >>> 3);
            Object value = switch ((int) (tag & 7)) {
                case 0 -> varint(message, pos);
                case 1 -> {
                    long v = 0;
                    for (int i = 0; i < 8; i++) {
                        v |= (message[pos[0] + i] & 0xFFL) << (8 * i);
                    }
                    pos[0] += 8;
                    yield v;
                }
                case 2 -> {
                    int length = (int) varint(message, pos);
                    byte[] bytes = java.util.Arrays.copyOfRange(message, pos[0], pos[0] + length);
                    pos[0] += length;
                    yield bytes;
                }
                case 5 -> {
                    int v = 0;
                    for (int i = 0; i < 4; i++) {
                        v |= (message[pos[0] + i] & 0xFF) << (8 * i);
                    }
                    pos[0] += 4;
                    yield v;
                }
                default -> throw new IllegalArgumentException("wire type " + (tag & 7) + " at " + pos[0]);
            };
            out.computeIfAbsent(field, k -> new ArrayList<>()).add(value);
        }
        return out;
    }

    private static long varint(byte[] b, int[] pos) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            byte x = b[pos[0]++];
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
