package io.tidegate.kernel.engine;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpObject;

/** An HTTP/1.1 client connection as a {@link Downstream}: its proxy handler's context, read on demand. */
final class Http1Downstream implements Downstream {

    private final ChannelHandlerContext ctx;

    Http1Downstream(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void read() {
        ctx.read();
    }

    @Override
    public boolean isWritable() {
        return ctx.channel().isWritable();
    }

    @Override
    public boolean isActive() {
        return ctx.channel().isActive();
    }

    @Override
    public void write(HttpObject msg) {
        ctx.write(msg);
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public ChannelFuture writeAndFlush(HttpObject msg) {
        return ctx.writeAndFlush(msg);
    }

    @Override
    public void close() {
        ctx.close();
    }
}
