package io.tidegate.kernel.engine;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * What every response head to the client gets, whether the upstream or the gateway wrote it: the
 * route's, destination's and policies' header edits, the affinity cookie, CORS, {@code server} and the
 * {@code connection} header; and an upstream's head its re-framing for this client. Stateless.
 */
final class ResponseHeads {

    private ResponseHeads() {
    }

    /**
     * Makes the upstream's final response head the client's: hop-by-hop headers go, the body is framed
     * for this client, and the edits and stamps apply. Sets whether the upstream connection is reusable.
     */
    static void fromUpstream(EngineContext engine, Exchange e, HttpResponse response, boolean closing) {
        int code = e.status;
        e.upstreamReusable = HttpUtil.isKeepAlive(response);
        HttpHeaders headers = response.headers();
        HopByHop.strip(headers);
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        boolean bodyless = e.headRequest || code == 204 || code == 304;
        if (!bodyless && !headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            if (e.clientHttp10) {
                headers.remove(HttpHeaderNames.TRANSFER_ENCODING); // HTTP/1.0 has no chunking: end by close
                e.closeConnection = true;
            } else if (!HttpUtil.isTransferEncodingChunked(response)) {
                HttpUtil.setTransferEncodingChunked(response, true); // re-frame a close-delimited body
            }
        }
        applyEdits(e, headers, e.destination);
        e.upstreamServiceMillis = (System.nanoTime() - e.attemptStartNanos) / 1_000_000;
        String upstreamTime = engine.upstreamTimeHeader();
        if (upstreamTime != null) {
            headers.set(upstreamTime, Long.toString(e.upstreamServiceMillis));
        }
        stampServer(engine, headers);
        setConnection(engine, e, headers, closing);
    }

    /** The {@code 101} the client gets when the upstream accepted the upgrade it asked for. */
    static FullHttpResponse switchingProtocols(Exchange e, HttpResponse upstream) {
        FullHttpResponse head = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS,
                Unpooled.EMPTY_BUFFER);
        head.headers().set(upstream.headers());
        HopByHop.strip(head.headers());
        head.headers().set(HttpHeaderNames.UPGRADE, e.upgrade).set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        applyEdits(e, head.headers(), e.destination);
        return head;
    }

    /** The route's (and {@code destination}'s, when not negative) and the policies' edits, cookie, CORS. */
    static void applyEdits(Exchange e, HttpHeaders headers, int destination) {
        HeaderEditor.apply(e.route.responseHeaders(), headers);
        if (destination >= 0) {
            HeaderEditor.apply(e.route.destination(destination).responseHeaders(), headers);
        }
        HeaderEditor.apply(e.policyResponseEdits, headers);
        if (e.affinityCookie != null) {
            headers.add(HttpHeaderNames.SET_COOKIE, e.affinityCookie);
        }
        if (e.corsOrigin != null) {
            CorsResponses.decorate(e.route.cors(), e.corsOrigin, headers);
        }
    }

    /** {@code engine.serverHeader}, when set, on every response: the upstream's own is replaced. */
    static void stampServer(EngineContext engine, HttpHeaders headers) {
        String server = engine.serverHeader();
        if (server != null) {
            headers.set(HttpHeaderNames.SERVER, server);
        }
    }

    /** Says whether the connection stays: {@code closing} is the client connection's own state. */
    static void setConnection(EngineContext engine, Exchange e, HttpHeaders headers, boolean closing) {
        if (engine.draining()) {
            e.closeConnection = true; // shutting down: finish this exchange, then let the client reconnect elsewhere
        }
        if (e.closeConnection || !e.clientKeepAlive || closing) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (e.clientHttp10) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }
}
