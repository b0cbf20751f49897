package io.tidegate.kernel.engine;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.tidegate.kernel.config.GatewayConfig;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * The connection half of downstream HTTP/2 (docs/engine.md, "HTTP/2"): what belongs to the TCP connection
 * and not to a stream. It counts the connection, asks the connection policies ({@code onConnection}) before
 * a frame is decoded (bytes read meanwhile wait here), then installs {@link Http2Frontend} behind itself, which
 * gives every stream its own {@link ProxyFrontendHandler}: one stream, one exchange, served by the same code
 * as an HTTP/1.1 request.
 *
 * <p>The connection itself reads continuously once admitted: control frames (SETTINGS, PING,
 * WINDOW_UPDATE, RST_STREAM, GOAWAY) must be read whatever the streams do. Backpressure is per stream
 * ({@link Http2Downstream}): a DATA frame's bytes go back to the client's flow-control window only when the
 * proxy reads them, which it does only while that stream's upstream is writable; a stream whose upstream is
 * slow stops the client from sending on that stream alone. The other way, a stream is writable only while its
 * send window and the connection are, and the upstream is read only then.
 *
 * <p>Keep-alive: idle for the listener's {@code keepAliveTimeout} with no stream open closes it, with
 * GOAWAY. Drain: GOAWAY at once, in-flight streams finish, then the connection closes.
 */
final class Http2Connection extends ChannelInboundHandlerAdapter {

    static final String NAME = "h2";
    private static final System.Logger LOG = System.getLogger(Http2Connection.class.getName());

    private final EngineContext engine;
    private final GatewayConfig.ListenerConfig listener;
    private final ArrayDeque<Object> held = new ArrayDeque<>(2);
    private final ConnectionAdmission admission = new ConnectionAdmission();
    private DownstreamConnection connection;
    private Http2Frontend codec;
    private ChannelHandlerContext ctx;
    private boolean admitting = true;
    private boolean closed;
    /** Armed while no stream is open: the connection's keep-alive timeout (Envoy's HTTP/2 idle_timeout). */
    private LazyTimer keepAlive;

    Http2Connection(EngineContext engine, GatewayConfig.ListenerConfig listener) {
        this.engine = engine;
        this.listener = listener;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        connection = new DownstreamConnection((InetSocketAddress) ch.remoteAddress(),
                (InetSocketAddress) ch.localAddress(), listener.name(), listener.listener().role(),
                listener.tls() != null);
        engine.metrics().connectionOpened();
        engine.metrics().http2ConnectionOpened(listener.name());
        if (listener.tls() == null) {
            admit(); // TLS: once the handshake event (replayed by ProtocolSelector) says who it is
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                connection.handshakeDone(TlsTermination.serverName(ctx.pipeline()),
                        TlsTermination.peerCertificates(ctx.pipeline()));
                admit();
            }
            return;
        }
        if (evt instanceof IdleStateEvent) {
            if (codec == null || codec.connection().numActiveStreams() == 0) {
                ctx.channel().close(); // the codec's close sends GOAWAY first
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closed) {
            ReferenceCountUtil.release(msg);
        } else if (admitting) {
            held.add(msg);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!admitting) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        if (keepAlive != null) {
            keepAlive.stop();
        }
        release();
        engine.metrics().connectionClosed();
        admission.closed(connection);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(System.Logger.Level.DEBUG, "HTTP/2 client connection error", cause);
        ctx.close();
    }

    /** As for HTTP/1.1 ({@link ConnectionAdmission}): in order, before a frame is decoded. */
    private void admit() {
        admission.ask(engine.config().connectionPolicies(listener.name()), connection, ctx,
                new ConnectionAdmission.Verdict() {
                    @Override
                    public void admitted() {
                        Http2Connection.this.admitted();
                    }

                    @Override
                    public void refused(String reason) {
                        refuse(reason);
                    }
                });
    }

    private void refuse(String reason) {
        LOG.log(System.Logger.Level.DEBUG, "connection from " + connection.clientIp() + " refused: " + reason);
        closed = true;
        release();
        ctx.close();
    }

    /** Admitted: the HTTP/2 codec goes in, the held bytes are decoded, and the connection reads on its own. */
    private void admitted() {
        admitting = false;
        codec = Http2Frontend.create(engine, listener, connection);
        ctx.pipeline().addAfter(ctx.name(), "h2-codec", codec);
        watchKeepAlive();
        widenConnectionWindow(listener.http2());
        engine.http2Opened(ctx.channel());
        ctx.channel().config().setAutoRead(true);
        Object m;
        while ((m = held.poll()) != null) {
            ctx.fireChannelRead(m);
        }
        ctx.fireChannelReadComplete();
        if (engine.draining()) {
            ctx.channel().close(); // GOAWAY: this connection was accepted just before the drain began
        }
    }

    /**
     * From here the keep-alive timeout runs only while no stream is open, kept by a {@link LazyTimer} the codec's
     * stream events arm and disarm. The selector's idle handler leaves the pipeline: it put a listener on every
     * frame written, which costs more than the timer on a busy connection.
     */
    private void watchKeepAlive() {
        long nanos = listener.keepAliveTimeout().toNanos();
        keepAlive = new LazyTimer(ctx.executor(), () -> {
            if (!closed && codec.connection().numActiveStreams() == 0) {
                ctx.channel().close(); // the codec's close sends GOAWAY first
            }
        });
        codec.connection().addListener(new io.netty.handler.codec.http2.Http2ConnectionAdapter() {
            @Override
            public void onStreamActive(io.netty.handler.codec.http2.Http2Stream stream) {
                keepAlive.disarm();
            }

            @Override
            public void onStreamClosed(io.netty.handler.codec.http2.Http2Stream stream) {
                // Not once the connection is gone: its close closes the open streams, and a timer armed then
                // would keep the whole connection in memory until it ran.
                if (!closed && nanos > 0 && codec.connection().numActiveStreams() == 0) {
                    keepAlive.arm(nanos);
                }
            }
        });
        if (nanos > 0) {
            keepAlive.arm(nanos);
        }
        if (ctx.pipeline().get("keepalive") != null) {
            ctx.pipeline().remove("keepalive");
        }
    }

    /**
     * The connection's receive window covers every stream's: a stream whose upstream is slow then holds up
     * only its own window, never the connection's, so the other streams keep flowing. The cost is bounded:
     * at most {@code maxConcurrentStreams x initialWindowSize} bytes wait in the streams.
     */
    private void widenConnectionWindow(GatewayConfig.Http2 h2) {
        long target = Math.min(Integer.MAX_VALUE, h2.maxConcurrentStreams() * (long) h2.initialWindowSize());
        int delta = (int) (target - io.netty.handler.codec.http2.Http2CodecUtil.DEFAULT_WINDOW_SIZE);
        if (delta <= 0) {
            return;
        }
        try {
            codec.connection().local().flowController().incrementWindowSize(codec.connection().connectionStream(),
                    delta);
        } catch (io.netty.handler.codec.http2.Http2Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot widen the HTTP/2 connection window", e);
        }
    }

    private void release() {
        Object m;
        while ((m = held.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }
}
