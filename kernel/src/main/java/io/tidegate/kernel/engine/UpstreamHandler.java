package io.tidegate.kernel.engine;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of an upstream connection: relays to the exchange it is bound to, or, while the
 * connection idles in the pool, closes it on any unexpected byte, on EOF, and on idle timeout. The idle
 * timeout is a {@link LazyTimer} set when the connection goes back to the pool, rather than an idle
 * handler in the pipeline, which would add a listener to every write.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    private final PoolKey key;
    private final long idleNanos;
    private UpstreamListener listener;
    private int requests;
    private ChannelHandlerContext ctx;
    private LazyTimer idle;

    /** @param idleNanos how long the connection may idle in the pool; 0: no limit kept here (an HTTP/2 stream) */
    UpstreamHandler(PoolKey key, long idleNanos) {
        this.key = key;
        this.idleNanos = idleNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (idle != null) {
            idle.stop(); // a tunnel took the connection over
        }
    }

    PoolKey key() {
        return key;
    }

    void bind(UpstreamListener exchange) {
        this.listener = exchange;
        requests++;
        if (idle != null) {
            idle.disarm();
        }
    }

    void unbind() {
        this.listener = null;
    }

    /** The connection went into the pool: it idles from here until it is taken, and is closed if too long. */
    void pooled() {
        if (idleNanos > 0 && ctx != null) {
            if (idle == null) {
                idle = new LazyTimer(ctx.executor(), this::idleTooLong);
            }
            idle.arm(idleNanos);
        }
    }

    private void idleTooLong() {
        if (listener == null) {
            ctx.close();
        }
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
        if (idle != null) {
            idle.stop();
        }
        UpstreamListener l = listener;
        listener = null;
        if (l != null) {
            l.onUpstreamClosed();
        } else {
            UpstreamPool.current().remove(key, ctx.channel());
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
