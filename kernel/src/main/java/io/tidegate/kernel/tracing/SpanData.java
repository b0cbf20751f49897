package io.tidegate.kernel.tracing;

import java.util.List;

/**
 * A finished span, as exported.
 *
 * @param context ids, sampling and start
 * @param name e.g. {@code GET api}
 * @param endEpochNanos wall-clock end
 * @param error status ERROR (the gateway answered 5xx or nothing); else UNSET
 * @param statusMessage why, for an error (the response flag); or null
 * @param attributes in the order they are exported
 */
public record SpanData(SpanContext context, String name, long endEpochNanos, boolean error, String statusMessage,
                       List<Attribute> attributes) {

    public SpanData {
        attributes = List.copyOf(attributes);
    }

    /** A string or integer span attribute ({@code value} is a {@code String} or a {@code Long}). */
    public record Attribute(String key, Object value) {

        public static Attribute of(String key, String value) {
            return new Attribute(key, value);
        }

        public static Attribute of(String key, long value) {
            return new Attribute(key, value);
        }
    }
}
