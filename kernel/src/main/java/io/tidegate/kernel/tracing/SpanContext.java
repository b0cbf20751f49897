package io.tidegate.kernel.tracing;

/**
 * The gateway's server span of one request: its place in the trace, whether it is sampled, and when it
 * started. Immutable; made by {@link Tracer#start}.
 *
 * @param traceIdHigh first 8 bytes of the trace id (the caller's, or new)
 * @param traceIdLow last 8 bytes of the trace id
 * @param spanId the gateway span's id, sent upstream as the parent
 * @param parentSpanId the caller's span id; 0 when the gateway started the trace
 * @param sampled recorded and exported, and sent upstream with the sampled flag
 * @param traceState the caller's {@code tracestate}, forwarded as it came; null when none or a new trace
 * @param startEpochNanos wall-clock start, for the exported span
 * @param startNanoTime monotonic start, for the span's duration
 */
public record SpanContext(long traceIdHigh, long traceIdLow, long spanId, long parentSpanId, boolean sampled,
                          String traceState, long startEpochNanos, long startNanoTime) {

    /** The {@code traceparent} to send upstream: this trace, this span as the parent. */
    public String traceparent() {
        return TraceParent.format(traceIdHigh, traceIdLow, spanId, sampled);
    }

    /** 32 lowercase hex digits, as logs and tracing backends show it. */
    public String traceIdHex() {
        return Hex.of(traceIdHigh, traceIdLow);
    }

    public String spanIdHex() {
        return Hex.of(spanId);
    }

    public boolean hasParent() {
        return parentSpanId != 0;
    }
}
