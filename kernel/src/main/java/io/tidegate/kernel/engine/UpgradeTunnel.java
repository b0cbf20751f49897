package io.tidegate.kernel.engine;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;

/**
 * The bytes of an upgraded connection (WebSocket), relayed both ways after the {@code 101}: the
 * Netty proxy idiom with {@code AUTO_READ} off, reading one side only while the other can take the
 * bytes, so a slow peer slows its opposite instead of filling the gateway's memory.
 *
 * <p>It listens to the upstream connection in place of the exchange, and the client handler hands it
 * the client's bytes. Either side closing closes the tunnel.
 */
final class UpgradeTunnel implements UpstreamListener {

    /** What the client handler learns from the tunnel. */
    interface Events {
        /** Bytes moved (for the idle timeout). */
        void activity(long toUpstream, long toClient);

        /** The upstream side closed or failed: end the exchange and close the client. */
        void upstreamGone();
    }

    private final ChannelHandlerContext client;
    private final Channel upstream;
    private final Events events;
    private boolean clientPaused;
    private boolean upstreamPaused;

    UpgradeTunnel(ChannelHandlerContext client, Channel upstream, Events events) {
        this.client = client;
        this.upstream = upstream;
        this.events = events;
    }

    void start() {
        upstream.read();
        client.read();
    }

    // ---- client to upstream ----

    void fromClient(Object msg) {
        if (!(msg instanceof ByteBuf bytes)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        events.activity(bytes.readableBytes(), 0);
        upstream.write(bytes).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    void clientReadComplete() {
        upstream.flush();
        if (upstream.isWritable()) {
            client.read();
        } else {
            clientPaused = true;
        }
    }

    void clientWritable() {
        if (upstreamPaused) {
            upstreamPaused = false;
            upstream.read();
        }
    }

    // ---- upstream to client ----

    @Override
    public void onUpstreamMessage(Object msg) {
        toClient(msg);
    }

    /** Bytes from the upstream, including those its decoder held after the 101. */
    void toClient(Object msg) {
        if (!(msg instanceof ByteBuf bytes)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        events.activity(0, bytes.readableBytes());
        client.write(bytes).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    @Override
    public void onUpstreamReadComplete() {
        client.flush();
        if (client.channel().isWritable()) {
            upstream.read();
        } else {
            upstreamPaused = true;
        }
    }

    @Override
    public void onUpstreamWritable() {
        if (clientPaused) {
            clientPaused = false;
            client.read();
        }
    }

    @Override
    public void onUpstreamClosed() {
        events.upstreamGone();
    }

    @Override
    public void onUpstreamError(Throwable cause) {
        events.upstreamGone();
    }
}
