package io.tidegate.kernel.engine;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.tidegate.kernel.runtime.Cors;

/** The CORS headers the gateway writes (Fetch standard, section 3.2), for preflights and for responses. */
final class CorsResponses {

    private CorsResponses() {
    }

    /** {@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method}. */
    static boolean isPreflight(HttpRequest request) {
        return HttpMethod.OPTIONS.equals(request.method()) && request.headers().contains(HttpHeaderNames.ORIGIN)
                && request.headers().contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
    }

    /** The gateway's answer to an allowed origin's preflight: 200, no body. */
    static FullHttpResponse preflight(Cors cors, String origin) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.EMPTY_BUFFER);
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.add(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
        if (cors.allowMethods() != null) {
            h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, cors.allowMethods());
        }
        if (cors.allowHeaders() != null) {
            h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, cors.allowHeaders());
        }
        if (cors.maxAge() != null) {
            h.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, cors.maxAge());
        }
        if (cors.allowCredentials()) {
            h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return response;
    }

    /** Headers of a response to an allowed origin's actual request. */
    static void decorate(Cors cors, String origin, HttpHeaders h) {
        // The upstream may have answered CORS itself; the route's policy is what the operator asked for.
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.add(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
        if (cors.allowCredentials()) {
            h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        if (cors.exposeHeaders() != null) {
            h.set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, cors.exposeHeaders());
        }
    }
}
