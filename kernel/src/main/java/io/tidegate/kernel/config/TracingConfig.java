package io.tidegate.kernel.config;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * The {@code tracing:} section of {@code tidegate.yaml} (docs/configuration.md, "tracing"). Absent: no
 * tracing at all, and {@code traceparent} passes through untouched.
 *
 * @param enabled whether the gateway takes part in traces (parses, makes spans, forwards its own traceparent)
 * @param serviceName the {@code service.name} resource attribute of exported spans
 * @param sampler how new and continued traces are sampled
 * @param samplingRatio the fraction of traces the ratio sampler keeps, 0 to 1
 * @param otlp where spans are exported; null: spans are made (ids in logs, headers forwarded) but not exported
 */
public record TracingConfig(boolean enabled, String serviceName, Sampler sampler, double samplingRatio, Otlp otlp) {

    public static final TracingConfig DISABLED = new TracingConfig(false, "tidegate", Sampler.PARENT_BASED, 1.0, null);

    public TracingConfig {
        requireNonNull(serviceName, "serviceName");
        requireNonNull(sampler, "sampler");
        if (!(samplingRatio >= 0 && samplingRatio <= 1)) {
            throw new IllegalArgumentException("samplingRatio: " + samplingRatio + " (expected: 0 to 1)");
        }
    }

    /** How the gateway decides whether a trace is sampled (recorded and exported). */
    public enum Sampler {
        /** A caller's sampled flag decides; traces the gateway starts are kept at {@code samplingRatio}. */
        PARENT_BASED,
        /** Every trace, continued or new, is kept at {@code samplingRatio} by its trace id. */
        RATIO
    }

    /**
     * The OTLP/HTTP exporter.
     *
     * @param endpoint the full traces URL, e.g. {@code http://127.0.0.1:4318/v1/traces}
     * @param headers sent with every export request (e.g. an API key)
     * @param timeout for one export request
     * @param batchSize spans per export request at most
     * @param batchInterval a partial batch is sent after this
     * @param queueSize spans waiting for export at most; more are dropped and counted
     */
    public record Otlp(URI endpoint, Map<String, String> headers, Duration timeout, int batchSize,
                       Duration batchInterval, int queueSize) {

        public Otlp {
            requireNonNull(endpoint, "endpoint");
            headers = Map.copyOf(headers);
            requireNonNull(timeout, "timeout");
            requireNonNull(batchInterval, "batchInterval");
        }
    }
}
