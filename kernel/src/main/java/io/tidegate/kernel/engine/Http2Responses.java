package io.tidegate.kernel.engine;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;

/**
 * The upstream half of {@link Http2Requests}, on an upstream stream channel: a response, as
 * {@code Http2StreamFrameToHttpObjectCodec} decoded it, becomes what the proxy expects of an HTTP/1.1
 * upstream. Netty's {@code x-http2-*} headers go; a response that ended with its HEADERS (a gRPC
 * trailers-only answer, a 204) is passed on as a head and an empty last content; and the head says
 * {@code Connection: close}, because a stream carries one exchange and is never pooled (the proxy strips the
 * header as it strips every hop-by-hop one).
 *
 * <p>A stream the server refused without processing it, by {@code RST_STREAM(REFUSED_STREAM)} or because
 * GOAWAY's last stream id is below it (RFC 9113 section 8.7), fails with {@link RefusedStreamException}:
 * safe to retry, and retried under the {@code refused-stream} condition.
 */
final class Http2Responses extends ChannelInboundHandlerAdapter {

    private static final CharSequence STREAM_ID = HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text();
    private static final CharSequence SCHEME = HttpConversionUtil.ExtensionHeaderNames.SCHEME.text();

    private boolean responded;
    private boolean refused;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpResponse response) {
            HttpHeaders headers = response.headers();
            headers.remove(STREAM_ID).remove(SCHEME);
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            if (response.status().code() >= 200) {
                responded = true;
            }
            if (msg instanceof FullHttpResponse full) {
                if (full.status().code() < 200) {
                    full.release(); // 100 Continue: the gateway answered the client's expectation itself
                    return;
                }
                ctx.fireChannelRead(new DefaultHttpResponse(full.protocolVersion(), full.status(), headers));
                ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2GoAwayFrame goAway) {
            // Sent only to streams above its last stream id: this one was never processed.
            ReferenceCountUtil.release(goAway);
            refused(ctx, GOAWAY);
            return;
        }
        if (evt instanceof Http2ResetFrame reset && reset.errorCode() == Http2Error.REFUSED_STREAM.code()) {
            refused(ctx, "the upstream refused the stream (REFUSED_STREAM)");
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // The codec closes the streams above GOAWAY's last stream id before it passes the GOAWAY on.
        if (aboveGoAway(ctx)) {
            refused(ctx, GOAWAY);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A HEADERS write after GOAWAY fails ("GOAWAY received"): the stream was never opened.
        if (!(cause instanceof RefusedStreamException) && aboveGoAway(ctx)) {
            refused(ctx, GOAWAY);
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private static final String GOAWAY = "the upstream sent GOAWAY before processing the stream";

    /** Whether the connection received GOAWAY whose last stream id is below this stream's (or it had none yet). */
    private static boolean aboveGoAway(ChannelHandlerContext ctx) {
        Http2FrameCodec codec = ctx.channel().parent().pipeline().get(Http2FrameCodec.class);
        if (codec == null || !codec.connection().goAwayReceived()) {
            return false;
        }
        int id = ((Http2StreamChannel) ctx.channel()).stream().id();
        return id < 0 || id > codec.connection().local().lastStreamKnownByPeer();
    }

    private void refused(ChannelHandlerContext ctx, String why) {
        if (!responded && !refused) {
            refused = true;
            ctx.fireExceptionCaught(new RefusedStreamException(why));
        }
    }
}
