package io.tidegate.kernel.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.TestOtlpCollector;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hand-written OTLP protobuf, read back by the test collector's independent decoder. */
class OtlpProtobufTest {

    @Test
    void encodesTheMessagesAServerSpanNeeds() {
        SpanContext root = new SpanContext(0x0102030405060708L, 0x090a0b0c0d0e0f10L, 0xa1a2a3a4a5a6a7a8L, 0, true, null,
                1_800_000_000_000_000_000L, 0);
        SpanContext child = new SpanContext(1, 2, 3, 0xffL, false, "k=v", 5, 0);
        byte[] body = OtlpProtobuf.encode("svc", List.of(
                new SpanData(root, "GET r", 1_800_000_000_123_456_789L, true, "UF",
                        List.of(SpanData.Attribute.of("url.path", "/ü"), SpanData.Attribute.of("n", -1L))),
                new SpanData(child, "POST", 6, false, null, List.of())));

        List<TestOtlpCollector.Span> spans = TestOtlpCollector.decode(body);
        assertThat(spans).hasSize(2);
        TestOtlpCollector.Span a = spans.get(0);
        assertThat(a.traceId()).isEqualTo("0102030405060708090a0b0c0d0e0f10");
        assertThat(a.spanId()).isEqualTo("a1a2a3a4a5a6a7a8");
        assertThat(a.parentSpanId()).isNull();
        assertThat(a.name()).isEqualTo("GET r");
        assertThat(a.kind()).isEqualTo(2);
        assertThat(a.startNanos()).isEqualTo(1_800_000_000_000_000_000L);
        assertThat(a.endNanos()).isEqualTo(1_800_000_000_123_456_789L);
        assertThat(a.statusCode()).isEqualTo(2);
        assertThat(a.statusMessage()).isEqualTo("UF");
        assertThat(a.attributes()).containsEntry("url.path", "/ü").containsEntry("n", -1L);
        assertThat(a.resource()).containsEntry("service.name", "svc");
        assertThat(a.flags()).isEqualTo(0x101);
        TestOtlpCollector.Span b = spans.get(1);
        assertThat(b.parentSpanId()).isEqualTo("00000000000000ff");
        assertThat(b.traceState()).isEqualTo("k=v");
        assertThat(b.statusCode()).isZero();
        assertThat(b.flags()).isEqualTo(0x300);
    }
}
