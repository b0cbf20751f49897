package io.tidegate.kernel.tracing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes spans as an OTLP {@code ExportTraceServiceRequest} in protobuf binary, the default encoding of
 * OTLP/HTTP ({@code Content-Type: application/x-protobuf}). Only the messages a server span needs are
 * written, by hand, with the field numbers of opentelemetry-proto's {@code trace/v1/trace.proto},
 * {@code common/v1/common.proto} and {@code resource/v1/resource.proto}.
 */
final class OtlpProtobuf {

    static final String SCOPE = "io.tidegate";
    private static final int SPAN_KIND_SERVER = 2;
    private static final int STATUS_CODE_ERROR = 2;
    /** {@code SpanFlags}: the W3C flags byte, then "has is_remote" and "parent is remote". */
    private static final int HAS_IS_REMOTE = 0x100;
    private static final int IS_REMOTE = 0x200;

    private OtlpProtobuf() {
    }

    static byte[] encode(String serviceName, List<SpanData> spans) {
        Writer resource = new Writer();
        resource.message(1, keyValue("service.name", serviceName)); // Resource.attributes

        Writer scope = new Writer();
        scope.string(1, SCOPE); // InstrumentationScope.name

        Writer scopeSpans = new Writer();
        scopeSpans.message(1, scope); // ScopeSpans.scope
        for (SpanData span : spans) {
            scopeSpans.message(2, span(span)); // ScopeSpans.spans
        }

        Writer resourceSpans = new Writer();
        resourceSpans.message(1, resource); // ResourceSpans.resource
        resourceSpans.message(2, scopeSpans); // ResourceSpans.scope_spans

        Writer request = new Writer();
        request.message(1, resourceSpans); // ExportTraceServiceRequest.resource_spans
        return request.toByteArray();
    }

    private static Writer span(SpanData span) {
        SpanContext c = span.context();
        Writer w = new Writer();
        w.bytes(1, ids(c.traceIdHigh(), c.traceIdLow())); // trace_id
        w.bytes(2, id(c.spanId())); // span_id
        if (c.traceState() != null && !c.traceState().isEmpty()) {
            w.string(3, c.traceState()); // trace_state
        }
        if (c.hasParent()) {
            w.bytes(4, id(c.parentSpanId())); // parent_span_id
        }
        w.string(5, span.name()); // name
        w.varint(6, SPAN_KIND_SERVER); // kind
        w.fixed64(7, c.startEpochNanos()); // start_time_unix_nano
        w.fixed64(8, span.endEpochNanos()); // end_time_unix_nano
        for (SpanData.Attribute a : span.attributes()) {
            w.message(9, keyValue(a.key(), a.value())); // attributes
        }
        if (span.error()) {
            Writer status = new Writer();
            if (span.statusMessage() != null) {
                status.string(2, span.statusMessage()); // Status.message
            }
            status.varint(3, STATUS_CODE_ERROR); // Status.code
            w.message(15, status); // status
        }
        w.fixed32(16, (c.sampled() ? TraceParent.SAMPLED : 0) | HAS_IS_REMOTE | (c.hasParent() ? IS_REMOTE : 0));
        return w;
    }

    private static Writer keyValue(String key, Object value) {
        Writer any = new Writer();
        if (value instanceof Long l) {
            any.varint(3, l); // AnyValue.int_value
        } else {
            any.string(1, String.valueOf(value)); // AnyValue.string_value
        }
        Writer kv = new Writer();
        kv.string(1, key); // KeyValue.key
        kv.message(2, any); // KeyValue.value
        return kv;
    }

    private static byte[] id(long v) {
        byte[] out = new byte[8];
        for (int i = 7; i >= 0; i--) {
            out[i] = (byte) v;
            v >>>= 8;
        }
        return out;
    }

    private static byte[] ids(long high, long low) {
        byte[] out = new byte[16];
        System.arraycopy(id(high), 0, out, 0, 8);
        System.arraycopy(id(low), 0, out, 8, 8);
        return out;
    }

    /** Protobuf wire format: varint tags, length-delimited strings, bytes and messages, little-endian fixed. */
    private static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);

        void varint(int field, long value) {
            tag(field, 0);
            rawVarint(value);
        }

        void fixed64(int field, long value) {
            tag(field, 1);
            for (int i = 0; i < 8; i++) {
                out.write((int) (value >>> (8 * i)));
            }
        }

        void fixed32(int field, int value) {
            tag(field, 5);
            for (int i = 0; i < 4; i++) {
                out.write(value >>> (8 * i));
            }
        }

        void string(int field, String value) {
            bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        void bytes(int field, byte[] value) {
            tag(field, 2);
            rawVarint(value.length);
            out.writeBytes(value);
        }

        void message(int field, Writer message) {
            bytes(field, message.toByteArray());
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }

        private void tag(int field, int wireType) {
            rawVarint((long) field << 3 | wireType);
        }

        private void rawVarint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }
    }
}
