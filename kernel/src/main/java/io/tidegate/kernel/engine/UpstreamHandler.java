package io.tidegate.kernel.engine;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of an upstream connection: relays to the exchange it is bound to, or, while the
 * connection idles in the pool, closes it on any unexpected byte, on EOF, and on idle timeout.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    private final PoolKey key;
    private UpstreamListener listener;
    private int requests;

    UpstreamHandler(PoolKey key) {
        this.key = key;
    }

    PoolKey key() {
        return key;
    }

    void bind(UpstreamListener exchange) {
        this.listener = exchange;
        requests++;
    }

    void unbind() {
        this.listener = null;
    }

    /** Requests this connection has carried (1 on a fresh connection). */
    int requests() {
        return requests;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamListener l = listener;
        if (l == null) {
            ReferenceCountUtil.release(msg);
            ctx.close(); // bytes from an idle upstream: it no longer agrees on the framing
            return;
        }
        l.onUpstreamMessage(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null) {
            l.onUpstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null && ctx.channel().isWritable()) {
            l.onUpstreamWritable();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        listener = null;
        if (l != null) {
            l.onUpstreamClosed();
        } else {
            UpstreamPool.current().remove(key, ctx.channel());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && listener == null) {
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        UpstreamListener l = listener;
        listener = null;
        if (l != null) {
            l.onUpstreamError(cause);
        }
        ctx.close();
    }
}
