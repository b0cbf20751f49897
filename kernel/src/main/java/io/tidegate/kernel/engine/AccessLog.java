package io.tidegate.kernel.engine;

import io.tidegate.kernel.config.GatewayConfig;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One line per request, written by a dedicated thread: event loops only offer a record to a bounded
 * queue, and when the writer falls behind, records are dropped and counted rather than blocking
 * traffic.
 */
public final class AccessLog implements AutoCloseable {

    /**
     * What is logged about one exchange.
     *
     * @param reason why the gateway answered or cut it, for flags that carry one (a policy denial's reason); or null
     */
    static final String HTTP_1_0 = "HTTP/1.0";
    static final String HTTP_1_1 = "HTTP/1.1";
    static final String HTTP_2 = "HTTP/2";

    record Entry(long epochMillis, String client, String method, String authority, String path, int status,
                 long bytesSent, long bytesReceived, String upstream, long durationMicros, String route,
                 String requestId, String flag, String reason, String protocol, Extras extras) {

        Entry {
            extras = extras == null ? Extras.NONE : extras;
        }

        Entry(long epochMillis, String client, String method, String authority, String path, int status,
              long bytesSent, long bytesReceived, String upstream, long durationMicros, String route,
              String requestId, String flag, String reason, String protocol) {
            this(epochMillis, client, method, authority, path, status, bytesSent, bytesReceived, upstream,
                    durationMicros, route, requestId, flag, reason, protocol, Extras.NONE);
        }

        Entry(long epochMillis, String client, String method, String authority, String path, int status,
              long bytesSent, long bytesReceived, String upstream, long durationMicros, String route,
              String requestId, String flag, String reason) {
            this(epochMillis, client, method, authority, path, status, bytesSent, bytesReceived, upstream,
                    durationMicros, route, requestId, flag, reason, HTTP_1_1);
        }

        Entry(long epochMillis, String client, String method, String authority, String path, int status,
              long bytesSent, long bytesReceived, String upstream, long durationMicros, String route,
              String requestId, String flag) {
            this(epochMillis, client, method, authority, path, status, bytesSent, bytesReceived, upstream,
                    durationMicros, route, requestId, flag, null);
        }
    }

    /**
     * What only some formats or settings show.
     *
     * @param traceId the trace's id when tracing is on (json, default, envoy formats); or null
     * @param userAgent {@code User-Agent} as received (envoy format); or null
     * @param forwardedFor {@code X-Forwarded-For} as received (envoy format); or null
     * @param upstreamServiceMillis milliseconds from sending upstream to the response head
     *                              (Envoy's {@code x-envoy-upstream-service-time}); -1: none
     */
    record Extras(String traceId, String userAgent, String forwardedFor, long upstreamServiceMillis) {

        static final Extras NONE = new Extras(null, null, null, -1);

        static Extras of(String traceId, String userAgent, String forwardedFor, long upstreamServiceMillis) {
            return traceId == null && userAgent == null && forwardedFor == null && upstreamServiceMillis < 0 ? NONE
                    : new Extras(traceId, userAgent, forwardedFor, upstreamServiceMillis);
        }
    }

    /**
     * What is logged about one connection of a {@code tcp} or {@code tls-passthrough} listener.
     *
     * @param kind {@code TCP} or {@code TLS} (passthrough)
     * @param sni the server name of a passthrough ClientHello, or null
     * @param bytesReceived bytes from the client; {@code bytesSent} bytes to it
     * @param flag why it ended (docs/engine.md, "L4: tcp and tls-passthrough")
     * @param reason a connection policy's denial reason (flags {@code PD}, {@code PF}), or null
     */
    record L4Entry(long epochMillis, String client, String kind, String listener, String sni, String route,
                   String cluster, String upstream, long bytesReceived, long bytesSent, long durationMicros,
                   String flag, String reason) {
    }

    /** Envoy's {@code %START_TIME%} default: {@code %Y-%m-%dT%H:%M:%E3SZ}, UTC. */
    private static final java.time.format.DateTimeFormatter ENVOY_TIME = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);

    private static final int QUEUE = 65536;

    private final boolean enabled;
    private final String format;
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE); // Entry and L4Entry
    private final LongAdder dropped = new LongAdder();
    private final Writer writer;
    private final Thread thread;
    private volatile boolean running = true;

    public AccessLog(GatewayConfig.AccessLogConfig config) throws IOException {
        this.enabled = config.enabled();
        this.format = config.format();
        if (!enabled) {
            writer = null;
            thread = null;
            return;
        }
        writer = switch (config.target()) {
            case "stdout" -> new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
            case "stderr" -> new BufferedWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), 1 << 16);
            default -> Files.newBufferedWriter(Path.of(config.target()), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        };
        thread = new Thread(this::drain, "tidegate-access-log");
        thread.setDaemon(true);
        thread.start();
    }

    /** A disabled log (tests, CLI). */
    public static AccessLog disabled() {
        try {
            return new AccessLog(new GatewayConfig.AccessLogConfig(false, "stdout", "default"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    boolean enabled() {
        return enabled;
    }

    /** Whether the format shows request headers the exchange must keep ({@code User-Agent}, {@code X-Forwarded-For}). */
    boolean logsClientHeaders() {
        return enabled && format.equals("envoy");
    }

    /** Records dropped because the writer fell behind. */
    public long dropped() {
        return dropped.sum();
    }

    void log(Entry entry) {
        if (enabled && !queue.offer(entry)) {
            dropped.increment();
        }
    }

    void log(L4Entry entry) {
        if (enabled && !queue.offer(entry)) {
            dropped.increment();
        }
    }

    private void drain() {
        List<Object> batch = new ArrayList<>(256);
        StringBuilder line = new StringBuilder(256);
        while (running || !queue.isEmpty()) {
            try {
                Object first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 255);
                for (Object o : batch) {
                    line.setLength(0);
                    if (o instanceof L4Entry l4) {
                        if (format.equals("json")) {
                            formatJson(l4, line);
                        } else {
                            formatDefault(l4, line); // envoy's default format is HTTP's: L4 lines keep ours
                        }
                    } else {
                        Entry e = (Entry) o;
                        switch (format) {
                            case "json" -> formatJson(e, line);
                            case "envoy" -> formatEnvoy(e, line);
                            default -> formatDefault(e, line);
                        }
                    }
                    writer.write(line.append('\n').toString());
                }
                batch.clear();
                writer.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException e) {
                dropped.add(batch.size());
                batch.clear();
            }
        }
    }

    /**
     * {@code time client "METHOD authority path PROTOCOL" status bytes upstream duration_ms route request_id flag}, then
     * {@code "reason"} only when the exchange has one (policy denials), so lines without one keep their shape.
     */
    static void formatDefault(Entry e, StringBuilder out) {
        out.append(Instant.ofEpochMilli(e.epochMillis())).append(' ')
                .append(e.client()).append(" \"")
                .append(e.method()).append(' ').append(sanitize(e.authority())).append(' ')
                .append(sanitize(e.path())).append(' ').append(e.protocol()).append("\" ")
                .append(e.status()).append(' ')
                .append(e.bytesSent()).append(' ')
                .append(e.upstream() == null ? "-" : e.upstream()).append(' ')
                .append(e.durationMicros() / 1000).append('.').append(String.format("%03d", e.durationMicros() % 1000))
                .append("ms ")
                .append(e.route() == null ? "-" : e.route()).append(' ')
                .append(e.requestId() == null ? "-" : e.requestId()).append(' ')
                .append(e.flag() == null ? "-" : e.flag());
        if (e.extras().traceId() != null) {
            out.append(' ').append(e.extras().traceId());
        }
        if (e.reason() != null && !e.reason().isEmpty()) {
            out.append(" \"").append(sanitize(e.reason())).append('"');
        }
    }

    static void formatJson(Entry e, StringBuilder out) {
        out.append("{\"time\":\"").append(Instant.ofEpochMilli(e.epochMillis())).append('"');
        field(out, "client", e.client());
        field(out, "method", e.method());
        field(out, "authority", e.authority());
        field(out, "path", e.path());
        field(out, "protocol", e.protocol());
        out.append(",\"status\":").append(e.status());
        out.append(",\"bytes_sent\":").append(e.bytesSent());
        out.append(",\"bytes_received\":").append(e.bytesReceived());
        field(out, "upstream", e.upstream());
        out.append(",\"duration_ms\":").append(e.durationMicros() / 1000.0);
        field(out, "route", e.route());
        field(out, "request_id", e.requestId());
        if (e.extras().traceId() != null) {
            field(out, "trace_id", e.extras().traceId());
        }
        field(out, "flag", e.flag());
        field(out, "reason", e.reason() == null || e.reason().isEmpty() ? null : e.reason());
        out.append('}');
    }

    /**
     * Envoy's default format, field for field: {@code [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%
     * %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
     * %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%"
     * "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"}, with {@code -} for every absent value. The path is the one received
     * (what Envoy's {@code X-ENVOY-ORIGINAL-PATH?:PATH} shows after a rewrite); client-sent text is sanitized.
     */
    static void formatEnvoy(Entry e, StringBuilder out) {
        Extras x = e.extras();
        out.append('[').append(ENVOY_TIME.format(Instant.ofEpochMilli(e.epochMillis()))).append("] \"")
                .append(dash(e.method())).append(' ').append(dash(e.path())).append(' ').append(e.protocol())
                .append("\" ").append(e.status()).append(' ')
                .append(e.flag() == null ? "-" : e.flag()).append(' ')
                .append(e.bytesReceived()).append(' ')
                .append(e.bytesSent()).append(' ')
                .append(e.durationMicros() / 1000).append(' ')
                .append(x.upstreamServiceMillis() < 0 ? "-" : Long.toString(x.upstreamServiceMillis())).append(" \"")
                .append(dash(x.forwardedFor())).append("\" \"")
                .append(dash(x.userAgent())).append("\" \"")
                .append(dash(e.requestId())).append("\" \"")
                .append(dash(e.authority())).append("\" \"")
                .append(dash(e.upstream())).append('"');
    }

    /** Envoy writes {@code -} for a value that is not set or empty. */
    private static String dash(String value) {
        return value == null || value.isEmpty() ? "-" : sanitize(value);
    }

    /**
     * {@code time client "TCP|TLS listener sni" bytes_received bytes_sent upstream duration_ms route cluster flag},
     * {@code -} for what is unknown, then {@code "reason"} only when a policy refused the connection.
     */
    static void formatDefault(L4Entry e, StringBuilder out) {
        out.append(Instant.ofEpochMilli(e.epochMillis())).append(' ')
                .append(e.client()).append(" \"")
                .append(e.kind()).append(' ').append(e.listener()).append(' ')
                .append(e.sni() == null ? "-" : sanitize(e.sni())).append("\" ")
                .append(e.bytesReceived()).append(' ')
                .append(e.bytesSent()).append(' ')
                .append(e.upstream() == null ? "-" : e.upstream()).append(' ')
                .append(e.durationMicros() / 1000).append('.').append(String.format("%03d", e.durationMicros() % 1000))
                .append("ms ")
                .append(e.route() == null ? "-" : e.route()).append(' ')
                .append(e.cluster() == null ? "-" : e.cluster()).append(' ')
                .append(e.flag() == null ? "-" : e.flag());
        if (e.reason() != null && !e.reason().isEmpty()) {
            out.append(" \"").append(sanitize(e.reason())).append('"'); // as HTTP lines: only when there is one
        }
    }

    static void formatJson(L4Entry e, StringBuilder out) {
        out.append("{\"time\":\"").append(Instant.ofEpochMilli(e.epochMillis())).append('"');
        field(out, "client", e.client());
        field(out, "protocol", e.kind());
        field(out, "listener", e.listener());
        field(out, "sni", e.sni());
        out.append(",\"bytes_received\":").append(e.bytesReceived());
        out.append(",\"bytes_sent\":").append(e.bytesSent());
        field(out, "upstream", e.upstream());
        out.append(",\"duration_ms\":").append(e.durationMicros() / 1000.0);
        field(out, "route", e.route());
        field(out, "cluster", e.cluster());
        field(out, "flag", e.flag());
        field(out, "reason", e.reason() == null || e.reason().isEmpty() ? null : e.reason());
        out.append('}');
    }

    private static void field(StringBuilder out, String name, String value) {
        out.append(",\"").append(name).append("\":");
        if (value == null) {
            out.append("null");
            return;
        }
        out.append('"');
        io.tidegate.kernel.admin.Json.escapeInto(value, out);
        out.append('"');
    }

    /** Client-controlled text must not forge log lines. */
    private static String sanitize(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '"') {
                StringBuilder b = new StringBuilder(s.length() + 8);
                for (int j = 0; j < s.length(); j++) {
                    char d = s.charAt(j);
                    if (d < 0x20 || d == 0x7f || d == '"') {
                        b.append(String.format("\\x%02x", (int) d));
                    } else {
                        b.append(d);
                    }
                }
                return b.toString();
            }
        }
        return s;
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            try {
                thread.join(2000);
                writer.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
