package io.tidegate.kernel.engine;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.PromiseNotifier;

/**
 * Sits on an upstream HTTP/2 stream channel above {@code Http2StreamFrameToHttpObjectCodec}: a request head
 * written just before an empty end (no body byte, no trailer) goes out as one HEADERS frame with END_STREAM,
 * not as HEADERS and an empty DATA frame. The proxy relays a head and its end as two writes, whatever the
 * client's framing; this keeps what HTTP/2 means by it: a GET is then the HEADERS frame alone that every client
 * sends. (Downstream responses get the same treatment in {@link Http2Downstream}, which writes frames itself.)
 *
 * <p>The head waits here only until the next write or flush, so nothing is delayed past a flush.
 */
final class Http2EndStreamCoalescer extends ChannelDuplexHandler {

    private HttpRequest head;
    private ChannelPromise headPromise;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (head != null) {
            HttpRequest h = head;
            ChannelPromise hp = headPromise;
            head = null;
            headPromise = null;
            if (msg instanceof LastHttpContent last && !last.content().isReadable() && last.trailingHeaders().isEmpty()) {
                last.release();
                ctx.write(full(h), combined(ctx, hp, promise));
                return;
            }
            ctx.write(h, hp);
        }
        if (msg instanceof HttpRequest m && !(msg instanceof FullHttpMessage)) { // void promises too: the proxy's
            head = m;
            headPromise = promise;
            return;
        }
        ctx.write(msg, promise);
    }

    /** One promise for the head's and the end's writes; a void one stands for nobody waiting. */
    private static ChannelPromise combined(ChannelHandlerContext ctx, ChannelPromise head, ChannelPromise end) {
        if (head.isVoid()) {
            return end;
        }
        if (end.isVoid()) {
            return head;
        }
        ChannelPromise both = ctx.newPromise();
        both.addListener(new PromiseNotifier<>(head, end));
        return both;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        writeHead(ctx);
        ctx.flush();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        writeHead(ctx);
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (head != null) {
            if (!headPromise.isVoid()) {
                headPromise.tryFailure(new IllegalStateException("stream closed before the message head was sent"));
            }
            head = null;
        }
    }

    private void writeHead(ChannelHandlerContext ctx) {
        if (head != null) {
            HttpRequest h = head;
            head = null;
            ctx.write(h, headPromise);
            headPromise = null;
        }
    }

    private static FullHttpMessage full(HttpRequest r) {
        return new DefaultFullHttpRequest(r.protocolVersion(), r.method(), r.uri(), Unpooled.EMPTY_BUFFER,
                r.headers(), io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
    }
}
