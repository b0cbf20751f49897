package io.tidegate.kernel.engine;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.tidegate.spi.model.FaultPolicy;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.policy.Decision;

/**
 * The answers the gateway writes itself instead of the upstream: the rejection of an invalid request, a
 * route's redirect and direct response, a fault's abort, a policy's denial. Built with the route's response
 * edits where the route applies them; the handler sends them ({@code respondLocal}). Stateless.
 */
final class LocalReplies {

    private LocalReplies() {
    }

    /** The answer to a request that failed validation; the connection closes after it. */
    static FullHttpResponse rejection(EngineContext engine, ByteBufAllocator alloc, HttpRequest request,
            Rejection rejection) {
        FullHttpResponse response = GrpcLocalReplies.adapt(request,
                Responses.error(alloc, rejection.status(), rejection.message()), rejection.flag());
        Responses.markClose(response);
        ResponseHeads.stampServer(engine, response.headers());
        return response;
    }

    static FullHttpResponse redirect(Exchange e, RouteAction.Redirect redirect) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(redirect.status()), Unpooled.EMPTY_BUFFER);
        response.headers().set(HttpHeaderNames.LOCATION, Redirects.location(redirect, e.head, e.route))
                .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        ResponseHeads.applyEdits(e, response.headers(), -1);
        return response;
    }

    static FullHttpResponse direct(ByteBufAllocator alloc, Exchange e, RouteAction.DirectResponse direct) {
        FullHttpResponse response = Responses.text(alloc, HttpResponseStatus.valueOf(direct.status()), direct.body());
        for (HeaderValue h : direct.headers()) {
            response.headers().set(h.name(), h.value());
        }
        ResponseHeads.applyEdits(e, response.headers(), -1);
        return response;
    }

    static FullHttpResponse faultAbort(ByteBufAllocator alloc, Exchange e, FaultPolicy fault) {
        FullHttpResponse response = Responses.text(alloc, HttpResponseStatus.valueOf(fault.abortStatus()),
                "fault filter abort\n");
        ResponseHeads.applyEdits(e, response.headers(), -1);
        return response;
    }

    /** A policy's denial: its status, body (ending in a newline) and headers; no route edits. */
    static FullHttpResponse denied(ByteBufAllocator alloc, Decision.Deny deny) {
        FullHttpResponse response = Responses.text(alloc, HttpResponseStatus.valueOf(deny.status()),
                deny.body().isEmpty() ? "" : deny.body().endsWith("\n") ? deny.body() : deny.body() + "\n");
        for (HeaderValue h : deny.headers()) {
            response.headers().add(h.name(), h.value());
        }
        return response;
    }
}
