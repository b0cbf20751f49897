package io.tidegate.kernel.tracing;

import io.tidegate.kernel.config.TracingConfig;
import io.tidegate.kernel.metrics.MetricsRegistry;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * W3C Trace Context for the engine: {@link #start} reads a request's {@code traceparent} and
 * {@code tracestate} and makes the gateway's server span (continuing a valid trace, else starting one),
 * {@link #end} hands a sampled span to the OTLP exporter. Free of Netty; the engine passes header values.
 */
public final class Tracer implements AutoCloseable {

    /** {@code tracestate} with more list members than this is discarded (W3C Trace Context, 3.3.1.1). */
    static final int MAX_TRACESTATE_MEMBERS = 32;
    /** Longer {@code tracestate} values are not forwarded (the spec asks to propagate at least 512). */
    static final int MAX_TRACESTATE_LENGTH = 8192;

    private final boolean enabled;
    private final Sampler sampler;
    private final OtlpExporter exporter;

    private Tracer(TracingConfig config, MetricsRegistry metrics) {
        this.enabled = config.enabled();
        this.sampler = new Sampler(config.sampler(), config.samplingRatio());
        this.exporter = enabled && config.otlp() != null
                ? new OtlpExporter(config.otlp(), config.serviceName(), metrics) : null;
    }

    public static Tracer create(TracingConfig config, MetricsRegistry metrics) {
        return new Tracer(config, metrics);
    }

    /** Whether the gateway takes part in traces ({@code tracing:} configured and enabled). */
    public boolean enabled() {
        return enabled;
    }

    /**
     * The server span of a request.
     *
     * @param traceparents every {@code traceparent} field of the request; more than one is invalid
     * @param tracestates every {@code tracestate} field, combined in order as one list
     */
    public SpanContext start(List<String> traceparents, List<String> tracestates) {
        TraceParent parent = traceparents.size() == 1 ? TraceParent.parse(traceparents.get(0)) : null;
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high;
        long low;
        String traceState = null;
        if (parent != null) {
            high = parent.traceIdHigh();
            low = parent.traceIdLow();
            traceState = traceState(tracestates);
        } else {
            do {
                high = random.nextLong();
                low = random.nextLong();
            } while (high == 0 && low == 0);
        }
        long spanId;
        do {
            spanId = random.nextLong();
        } while (spanId == 0);
        Instant now = Instant.now();
        return new SpanContext(high, low, spanId, parent == null ? 0 : parent.parentId(), sampler.sample(parent, low),
                traceState, now.getEpochSecond() * 1_000_000_000L + now.getNano(), System.nanoTime());
    }

    /** Exports the finished span when it is sampled and an exporter is configured. */
    public void end(SpanContext context, String name, long endNanoTime, boolean error, String statusMessage,
                    List<SpanData.Attribute> attributes) {
        if (exporter == null || !context.sampled()) {
            return;
        }
        long end = context.startEpochNanos() + Math.max(0, endNanoTime - context.startNanoTime());
        exporter.export(new SpanData(context, name, end, error, statusMessage, attributes));
    }

    /** Whether {@link #end} would export a span of this context (so callers skip building attributes). */
    public boolean records(SpanContext context) {
        return exporter != null && context.sampled();
    }

    /** The {@code tracestate} list to forward, or null: absent, empty, too long or too many members. */
    static String traceState(List<String> fields) {
        if (fields.isEmpty()) {
            return null;
        }
        String joined = fields.size() == 1 ? fields.get(0).trim() : String.join(",", fields).trim();
        if (joined.isEmpty() || joined.length() > MAX_TRACESTATE_LENGTH) {
            return null;
        }
        int members = 0;
        for (String member : joined.split(",")) {
            if (!member.isBlank()) {
                members++;
            }
        }
        return members == 0 || members > MAX_TRACESTATE_MEMBERS ? null : joined;
    }

    /** Flushes queued spans (the engine calls it after draining). */
    @Override
    public void close() {
        if (exporter != null) {
            exporter.close();
        }
    }
}
