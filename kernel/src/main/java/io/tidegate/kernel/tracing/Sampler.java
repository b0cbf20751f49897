package io.tidegate.kernel.tracing;

import io.tidegate.kernel.config.TracingConfig;

/**
 * Decides whether a trace is sampled. The ratio decision is OpenTelemetry's {@code TraceIdRatioBased}:
 * deterministic in the trace id's last 8 bytes, so every hop using the same ratio agrees on a trace.
 */
final class Sampler {

    private final TracingConfig.Sampler mode;
    private final long bound;

    Sampler(TracingConfig.Sampler mode, double ratio) {
        this.mode = mode;
        this.bound = ratio <= 0 ? Long.MIN_VALUE : ratio >= 1 ? Long.MAX_VALUE : (long) (ratio * Long.MAX_VALUE);
    }

    /** @param parent the caller's valid traceparent, or null for a trace the gateway starts */
    boolean sample(TraceParent parent, long traceIdLow) {
        if (parent != null && mode == TracingConfig.Sampler.PARENT_BASED) {
            return parent.sampled();
        }
        return bound == Long.MAX_VALUE || Math.abs(traceIdLow) < bound;
    }
}
