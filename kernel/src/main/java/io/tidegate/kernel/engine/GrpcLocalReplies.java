package io.tidegate.kernel.engine;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * Errors the gateway answers itself, shaped for gRPC clients (docs/engine.md, "gRPC errors"). A gRPC client
 * reads the outcome of a call from {@code grpc-status}, not from the HTTP status, so a plain-text 502 would
 * reach it as an unhelpful {@code UNKNOWN} or {@code INTERNAL}. When the request is gRPC and the local answer
 * is an error (4xx or 5xx), it becomes what a gRPC server sends when a call fails before any message: HTTP
 * 200, {@code content-type: application/grpc}, no body, {@code grpc-status} and {@code grpc-message}
 * (a trailers-only response: on HTTP/2 one HEADERS frame with END_STREAM). The status comes from the HTTP
 * status by gRPC's HTTP-to-gRPC table, as Envoy maps its local replies; the gateway's timeouts say
 * {@code DEADLINE_EXCEEDED}. Other headers of the answer (a policy's {@code WWW-Authenticate}) stay.
 */
final class GrpcLocalReplies {

    static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    private static final String GRPC = "application/grpc";

    private GrpcLocalReplies() {
    }

    /** Whether the request is gRPC: {@code application/grpc}, {@code application/grpc+proto} ..., not gRPC-Web. */
    static boolean isGrpc(HttpRequest request) {
        String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (type == null || !type.regionMatches(true, 0, GRPC, 0, GRPC.length())) {
            return false;
        }
        return type.length() == GRPC.length() || type.charAt(GRPC.length()) == '+' || type.charAt(GRPC.length()) == ';';
    }

    /**
     * {@code response} itself when it needs no change, else its gRPC form (and {@code response} is released).
     *
     * @param flag the access-log flag of the failure ({@code UT} and {@code SI} are timeouts), or null
     */
    static FullHttpResponse adapt(HttpRequest request, FullHttpResponse response, String flag) {
        int code = response.status().code();
        if (code < 400 || !isGrpc(request)) {
            return response;
        }
        String message = response.content().toString(StandardCharsets.UTF_8).strip();
        FullHttpResponse grpc = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.EMPTY_BUFFER);
        HttpHeaders headers = grpc.headers();
        headers.set(response.headers());
        headers.setInt(HttpHeaderNames.CONTENT_LENGTH, 0); // HTTP/1.1 needs the framing; true on h2 as well
        headers.set(HttpHeaderNames.CONTENT_TYPE, GRPC);
        headers.set(GRPC_STATUS, Integer.toString(status(code, flag)));
        if (!message.isEmpty()) {
            headers.set(GRPC_MESSAGE, percentEncode(message));
        }
        response.release();
        return grpc;
    }

    /** gRPC's status for an HTTP status (grpc/doc/http-grpc-status-mapping.md), timeouts apart. */
    static int status(int httpStatus, String flag) {
        if ("UT".equals(flag) || "SI".equals(flag)) {
            return 4; // DEADLINE_EXCEEDED: the gateway's request, per-try or idle timeout fired
        }
        return switch (httpStatus) {
            case 400 -> 13; // INTERNAL
            case 401 -> 16; // UNAUTHENTICATED
            case 403 -> 7; // PERMISSION_DENIED
            case 404 -> 12; // UNIMPLEMENTED
            case 429, 502, 503, 504 -> 14; // UNAVAILABLE
            default -> 2; // UNKNOWN
        };
    }

    /** gRPC's percent-encoding of {@code grpc-message}: UTF-8, bytes outside 0x20-0x7E and '%' as %XX. */
    static String percentEncode(String message) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c >= 0x20 && c <= 0x7e && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
