package io.tidegate.kernel.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The byte relay of an established CONNECT tunnel: two handlers, one on the client channel (in front
 * of the HTTP handler, after the codec was removed) and one on the upstream channel, which lives on
 * the client's event loop. Both channels run with {@code AUTO_READ} off: after a read, a side is read
 * again only when the other side is writable, else when it becomes writable (the HexDumpProxy idiom
 * with writability-based backpressure). When either side closes, the other is flushed and closed;
 * an idle client channel (no byte either way) closes both with flag {@code SI}.
 *
 * <p>Byte counts go to a {@link Tally}: the {@link Exchange} of the CONNECT or upgrade request, which the
 * HTTP handler finishes and logs when the client channel goes inactive, or an L4 connection.
 *
 * <p>When both channels allow half-closure ({@code ALLOW_HALF_CLOSURE}, as L4 listeners set), a FIN from
 * one side is passed on as a FIN to the other once what it sent is flushed, and the tunnel closes when
 * both directions are done; otherwise either side closing closes both.
 */
final class TunnelRelay {

    private static final System.Logger LOG = System.getLogger(TunnelRelay.class.getName());

    /** Where a tunnel's byte counts and end flag go. Touched on the client's event loop only. */
    interface Tally {
        void fromClient(long bytes);

        void toClient(long bytes);

        /** The flag saying why the tunnel ended, unless one is set already. */
        void flagIfUnset(String flag);

        /** A side sent its FIN or closed ({@code byClient}: the client); called for both, first one first. */
        default void sideEnded(boolean byClient) {
        }
    }

    private final Channel client;
    private final Tally exchange;
    private Channel upstream;
    private boolean clientReadPaused;
    private boolean upstreamReadPaused;
    private boolean clientInputDone;
    private boolean upstreamInputDone;

    private final ChannelFutureListener writeFailure = this::onWrite;

    TunnelRelay(Channel client, Exchange exchange) {
        this(client, new Tally() {
            @Override
            public void fromClient(long bytes) {
                exchange.requestBodyBytes += bytes;
            }

            @Override
            public void toClient(long bytes) {
                exchange.bytesSent += bytes;
            }

            @Override
            public void flagIfUnset(String flag) {
                if (exchange.flag == null) {
                    exchange.flag = flag;
                }
            }
        });
    }

    TunnelRelay(Channel client, Tally tally) {
        this.client = client;
        this.exchange = tally;
    }

    /** The handler of the upstream channel (set on its bootstrap). */
    ChannelHandler upstreamSide() {
        return new UpstreamSide();
    }

    /** The handler to put into the client pipeline once the tunnel is established. */
    ChannelHandler clientSide() {
        return new ClientSide();
    }

    /** The connected upstream; bytes from the client go there from now on. */
    void attach(Channel upstreamChannel) {
        this.upstream = upstreamChannel;
    }

    /** Starts relaying: the 200 was written and the pipeline switched. */
    void start() {
        upstream.read();
        client.read();
    }

    private void onWrite(ChannelFuture f) {
        if (!f.isSuccess()) {
            LOG.log(System.Logger.Level.DEBUG, "tunnel write failed", f.cause());
            exchange.flagIfUnset(f.channel() == client ? "DC" : "UC");
            closeBoth();
        }
    }

    private void closeBoth() {
        if (upstream != null) {
            upstream.close();
        }
        client.close();
    }

    /**
     * One side sent its FIN: once what it sent is flushed to {@code other}, {@code other}'s output is shut
     * too. When the other direction is done as well, the tunnel closes.
     */
    private void halfClose(Channel other) {
        if (other == null || !other.isActive()) {
            closeBoth();
            return;
        }
        other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess() || (clientInputDone && upstreamInputDone)) {
                closeBoth();
            } else if (other instanceof DuplexChannel duplex) {
                SslHandler tls = other.pipeline().get(SslHandler.class);
                if (tls != null) {
                    // A TLS session the gateway originated ends its half with close_notify, then the FIN: a
                    // FIN alone reads as a truncation attack to the server (RFC 8446 section 6.1).
                    tls.closeOutbound().addListener(c -> duplex.shutdownOutput());
                } else {
                    duplex.shutdownOutput();
                }
            } else {
                other.close();
            }
        });
    }

    /** Flushes what is queued for {@code ch}, then closes it. */
    private static void flushAndClose(Channel ch) {
        if (ch != null && ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private final class ClientSide extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf buf) || upstream == null) {
                ReferenceCountUtil.release(msg);
                return;
            }
            exchange.fromClient(buf.readableBytes());
            upstream.write(buf).addListener(writeFailure);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (upstream == null) {
                return;
            }
            upstream.flush();
            if (upstream.isWritable()) {
                client.read();
            } else {
                clientReadPaused = true; // resumed by the upstream's writability
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (client.isWritable() && upstreamReadPaused && upstream != null) {
                upstreamReadPaused = false;
                upstream.read();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ChannelInputShutdownEvent.INSTANCE) {
                clientInputDone = true;
                exchange.sideEnded(true);
                halfClose(upstream);
                return;
            }
            if (evt instanceof IdleStateEvent) {
                exchange.flagIfUnset("SI");
                closeBoth();
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.log(System.Logger.Level.DEBUG, "tunnel client error", cause);
            exchange.flagIfUnset("DC");
            closeBoth();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            exchange.sideEnded(true);
            flushAndClose(upstream);
            ctx.fireChannelInactive(); // the HTTP handler finishes and logs the CONNECT exchange
        }
    }

    private final class UpstreamSide extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf buf)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            exchange.toClient(buf.readableBytes());
            client.write(buf).addListener(writeFailure);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            client.flush();
            if (client.isWritable()) {
                ctx.channel().read();
            } else {
                upstreamReadPaused = true; // resumed by the client's writability
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable() && clientReadPaused) {
                clientReadPaused = false;
                client.read();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ChannelInputShutdownEvent.INSTANCE) {
                upstreamInputDone = true;
                exchange.sideEnded(false);
                halfClose(client);
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.log(System.Logger.Level.DEBUG, "tunnel upstream error", cause);
            exchange.flagIfUnset("UC");
            closeBoth();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            exchange.sideEnded(false);
            if (upstream != null) {
                flushAndClose(client); // the upstream ended the tunnel: deliver what it sent, then close
            }
        }
    }
}
