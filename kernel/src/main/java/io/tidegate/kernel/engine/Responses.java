package io.tidegate.kernel.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Responses the gateway writes itself: errors, redirects, direct responses. Short plain-text bodies. */
final class Responses {

    private Responses() {
    }

    static FullHttpResponse text(ByteBufAllocator alloc, HttpResponseStatus status, String body) {
        ByteBuf content = alloc.buffer(body.length());
        content.writeCharSequence(body, StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        return response;
    }

    /** An error: the status line's reason and a hint, e.g. "502 Bad Gateway: upstream connect failed". */
    static FullHttpResponse error(ByteBufAllocator alloc, HttpResponseStatus status, String detail) {
        return text(alloc, status, status.code() + " " + status.reasonPhrase() + ": " + detail + "\n");
    }

    /** Envoy's answer when a circuit breaker overflows: 503 with {@code x-envoy-overloaded: true}. */
    static FullHttpResponse overloaded(ByteBufAllocator alloc, String detail) {
        FullHttpResponse response = error(alloc, HttpResponseStatus.SERVICE_UNAVAILABLE, detail);
        response.headers().set("x-envoy-overloaded", "true");
        return response;
    }

    static void markClose(FullHttpResponse response) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
}
