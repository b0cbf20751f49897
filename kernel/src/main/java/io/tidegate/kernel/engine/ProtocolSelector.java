package io.tidegate.kernel.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.tidegate.kernel.config.GatewayConfig;
import java.util.ArrayDeque;

/**
 * Chooses HTTP/1.1 or HTTP/2 for a connection of a listener with {@code http2.enabled}, before any
 * protocol handler sees it: by ALPN once the TLS handshake is done ({@code https}), or by the first bytes
 * ({@code http}: the h2c connection preface {@code PRI * HTTP/2.0}, RFC 9113 section 3.3, "prior
 * knowledge"). It holds {@code channelActive}, the handshake event and every byte read meanwhile, installs
 * the chosen handlers behind itself, replays what it held into them and leaves the pipeline. So
 * {@link ProxyFrontendHandler} sees exactly the events it sees on a listener without HTTP/2.
 */
final class ProtocolSelector extends ChannelInboundHandlerAdapter {

    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

    private final EngineContext engine;
    private final GatewayConfig.ListenerConfig listener;
    private final ArrayDeque<Object> held = new ArrayDeque<>(2);
    private SslHandshakeCompletionEvent handshake;
    private boolean chosen;

    ProtocolSelector(EngineContext engine, GatewayConfig.ListenerConfig listener) {
        this.engine = engine;
        this.listener = listener;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read(); // drives the TLS handshake, or brings the first bytes of a cleartext connection
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            handshake = done;
            if (!done.isSuccess()) {
                chosen = true; // the TLS handler closes the connection
                return;
            }
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            String alpn = ssl == null ? null : ssl.applicationProtocol();
            choose(ctx, ApplicationProtocolNames.HTTP_2.equals(alpn));
            return;
        }
        if (evt instanceof IdleStateEvent && !chosen) {
            chosen = true;
            ctx.close(); // nothing (or not enough to tell) within the keep-alive timeout
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (chosen) {
            ReferenceCountUtil.release(msg);
            return;
        }
        held.add(msg);
        if (listener.tls() != null) {
            return; // decided by ALPN
        }
        int verdict = preface();
        if (verdict != 0) {
            choose(ctx, verdict > 0);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!chosen) {
            ctx.read();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    /** 1: the held bytes start with the connection preface; -1: they cannot; 0: too few to tell. */
    private int preface() {
        int seen = 0;
        for (Object o : held) {
            ByteBuf b = (ByteBuf) o;
            int n = Math.min(b.readableBytes(), PREFACE.readableBytes() - seen);
            if (!ByteBufUtil.equals(b, b.readerIndex(), PREFACE, seen, n)) {
                return -1;
            }
            seen += n;
            if (seen == PREFACE.readableBytes()) {
                return 1;
            }
        }
        return 0;
    }

    private void choose(ChannelHandlerContext ctx, boolean h2) {
        chosen = true;
        ChannelPipeline p = ctx.pipeline();
        if (h2) {
            p.addAfter(ctx.name(), Http2Connection.NAME, new Http2Connection(engine, listener));
        } else {
            HttpListenerInitializer.addHttp1(p, ctx.name(), engine, listener);
        }
        ctx.fireChannelActive();
        if (handshake != null) {
            ctx.fireUserEventTriggered(handshake);
        }
        Object m;
        while ((m = held.poll()) != null) {
            ctx.fireChannelRead(m);
        }
        ctx.fireChannelReadComplete();
        p.remove(this);
    }

    private void release() {
        Object m;
        while ((m = held.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }
}
