package io.tidegate.kernel.engine;

/**
 * An upstream HTTP/2 stream the server refused before processing it (RST_STREAM REFUSED_STREAM, or above the
 * last stream id of a GOAWAY): RFC 9113 section 8.7 makes such a request safe to send again.
 */
final class RefusedStreamException extends RuntimeException {

    RefusedStreamException(String message) {
        super(message, null, false, false);
    }
}
