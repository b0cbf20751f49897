package io.tidegate.kernel.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.config.TracingConfig;
import io.tidegate.kernel.metrics.MetricsRegistry;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Span contexts from request headers, tracestate handling and the samplers. */
class TracerTest {

    private static final String SAMPLED = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final String UNSAMPLED = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";

    private static Tracer tracer(TracingConfig.Sampler sampler, double ratio) {
        return Tracer.create(new TracingConfig(true, "t", sampler, ratio, null), new MetricsRegistry());
    }

    @Test
    void aValidParentIsContinuedWithANewSpanOfTheGateway() {
        SpanContext span = tracer(TracingConfig.Sampler.PARENT_BASED, 1).start(List.of(SAMPLED), List.of("a=1"));
        assertThat(span.traceIdHex()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(Hex.of(span.parentSpanId())).isEqualTo("00f067aa0ba902b7");
        assertThat(span.spanId()).isNotZero().isNotEqualTo(span.parentSpanId());
        assertThat(span.traceState()).isEqualTo("a=1");
        assertThat(span.traceparent()).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-" + span.spanIdHex() + "-01");
    }

    @Test
    void twoTraceparentFieldsAreInvalidAndStartANewTrace() {
        SpanContext span = tracer(TracingConfig.Sampler.PARENT_BASED, 1).start(List.of(SAMPLED, SAMPLED),
                List.of("a=1"));
        assertThat(span.traceIdHex()).isNotEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(span.hasParent()).isFalse();
        assertThat(span.traceState()).isNull(); // never carried into a trace it does not belong to
    }

    @Test
    void newTracesHaveRandomNonZeroIds() {
        Tracer tracer = tracer(TracingConfig.Sampler.PARENT_BASED, 1);
        SpanContext a = tracer.start(List.of(), List.of());
        SpanContext b = tracer.start(List.of(), List.of());
        assertThat(a.traceIdHex()).isNotEqualTo(b.traceIdHex()).isNotEqualTo("0".repeat(32));
        assertThat(a.traceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    }

    @Test
    void parentBasedHonoursTheCallersFlagAndSamplesNewTracesByRatio() {
        Tracer none = tracer(TracingConfig.Sampler.PARENT_BASED, 0);
        assertThat(none.start(List.of(SAMPLED), List.of()).sampled()).isTrue();
        assertThat(none.start(List.of(UNSAMPLED), List.of()).sampled()).isFalse();
        assertThat(none.start(List.of(), List.of()).sampled()).isFalse();
        Tracer all = tracer(TracingConfig.Sampler.PARENT_BASED, 1);
        assertThat(all.start(List.of(UNSAMPLED), List.of()).sampled()).isFalse();
        assertThat(all.start(List.of(), List.of()).sampled()).isTrue();
    }

    @Test
    void theRatioSamplerDecidesEveryTraceByItsId() {
        assertThat(tracer(TracingConfig.Sampler.RATIO, 0).start(List.of(SAMPLED), List.of()).sampled()).isFalse();
        assertThat(tracer(TracingConfig.Sampler.RATIO, 1).start(List.of(UNSAMPLED), List.of()).sampled()).isTrue();
        Sampler half = new Sampler(TracingConfig.Sampler.RATIO, 0.5);
        assertThat(half.sample(null, 0x1000L)).isTrue(); // low ids are below the bound
        assertThat(half.sample(null, Long.MAX_VALUE - 1)).isFalse();
        assertThat(half.sample(null, 0x1000L)).isTrue(); // deterministic: every hop with this ratio agrees
        int kept = 0;
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 10_000; i++) {
            kept += half.sample(null, random.nextLong()) ? 1 : 0;
        }
        assertThat(kept).isBetween(4_500, 5_500);
    }

    @Test
    void tracestateIsCombinedAndBounded() {
        assertThat(Tracer.traceState(List.of())).isNull();
        assertThat(Tracer.traceState(List.of("  "))).isNull();
        assertThat(Tracer.traceState(List.of("congo=t61rcWkgMzE", "rojo=00f067aa0ba902b7")))
                .isEqualTo("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
        List<String> members = Collections.nCopies(32, "k=v");
        assertThat(Tracer.traceState(List.of(String.join(",", members)))).isNotNull();
        List<String> tooMany = Collections.nCopies(33, "k=v");
        assertThat(Tracer.traceState(List.of(String.join(",", tooMany)))).isNull(); // 3.3.1.1: discard it whole
    }

    @Test
    void aDisabledTracerTakesNoPart() {
        Tracer off = Tracer.create(TracingConfig.DISABLED, null);
        assertThat(off.enabled()).isFalse();
        off.close();
    }
}
