package io.tidegate.kernel.engine;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.tidegate.kernel.runtime.CircuitBreaker;
import io.tidegate.kernel.runtime.ClusterRuntime;
import io.tidegate.kernel.tls.UpstreamTlsContext;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;

/**
 * One multiplexed HTTP/2 connection to an upstream endpoint (docs/engine.md, "Upstream HTTP/2 and gRPC"):
 * h2 over TLS (ALPN {@code h2} required) or h2c with prior knowledge.
 *
 * <p>Netty's {@link Http2MultiplexHandler} gives every request its own {@link Http2StreamChannel}, with
 * {@code AUTO_READ} off, {@link Http2StreamFrameToHttpObjectCodec} and the same {@link UpstreamHandler} an
 * HTTP/1.1 connection ends with: to {@link ProxyFrontendHandler} a stream is an upstream channel that carries
 * one exchange, so timeouts, retries, outlier detection and the access log work unchanged. A stream channel
 * has exactly the flow-control semantics the proxy needs: it is writable only while the stream's send window
 * and the connection are, and the bytes of a DATA frame go back to the upstream's window only when the proxy
 * reads them, which it does only while the client is writable. The frame codec alone would mean writing
 * that per-stream bookkeeping again.
 *
 * <p>The connection reads continuously (control frames must be read whatever the streams do). A stream is
 * opened only once the server's first SETTINGS arrived, so {@code SETTINGS_MAX_CONCURRENT_STREAMS} is known
 * and never exceeded; a full connection makes the pool open another. After GOAWAY the connection takes no
 * new stream and leaves the pool; its streams below the last stream id finish.
 */
final class Http2UpstreamConnection extends ChannelInboundHandlerAdapter {

    private static final System.Logger LOG = System.getLogger(Http2UpstreamConnection.class.getName());
    /** At most this many stream flushes wait for the end of an event-loop turn (Netty's default). */
    private static final int FLUSHES_BEFORE_WRITE = 256;

    /** Where a connection goes and what it needs to get there. */
    record Target(EventLoop loop, PoolKey key, ClusterRuntime cluster, UpstreamConnector connector,
                  EngineMetrics metrics) {
    }

    private final Target target;
    private final PoolKey key;
    private final Http2UpstreamPool pool;
    private final EngineMetrics metrics;
    private final String cluster;
    /** The cluster's breaker whose maxConnections place this connection holds; null: none (unlimited, a probe's). */
    private final CircuitBreaker breaker;
    /** The cluster's maxRequestsPerConnection (0: no cap). */
    private final int maxRequests;
    /** The cluster's idle timeout (0: none): armed while no stream is open, as the client side's keep-alive. */
    private final long idleNanos;
    private final LazyTimer idle;
    private final ArrayDeque<Promise<Channel>> waiting = new ArrayDeque<>(2);
    private Channel channel;
    private Http2StreamChannelBootstrap streams;
    /** The server's SETTINGS_MAX_CONCURRENT_STREAMS (unlimited until it says otherwise). */
    private long maxStreams = Long.MAX_VALUE;
    /** Streams opened or promised on this connection and not yet closed. */
    private int open;
    /** Streams started on this connection so far. */
    private int carried;
    /** Streams this connection was asked for so far (started or waiting for SETTINGS). */
    private int asked;
    private boolean ready;
    private boolean goingAway;
    private boolean closed;

    private Http2UpstreamConnection(Target target, Http2UpstreamPool pool, CircuitBreaker breaker) {
        this.target = target;
        this.key = target.key();
        this.pool = pool;
        this.metrics = target.metrics();
        this.cluster = target.cluster().name();
        this.breaker = breaker;
        this.maxRequests = target.cluster().maxRequestsPerConnection();
        this.idleNanos = target.cluster().idleTimeoutNanos();
        this.idle = new LazyTimer(target.loop(), this::idleExpired);
    }

    /**
     * Starts connecting on the target's loop; streams can be asked for at once and are handed out once it is
     * ready.
     *
     * @param breaker the breaker whose maxConnections place the caller took for it, given back when it closes;
     *                null when none was taken
     */
    static Http2UpstreamConnection connect(Target target, Http2UpstreamPool pool, CircuitBreaker breaker) {
        Http2UpstreamConnection conn = new Http2UpstreamConnection(target, pool, breaker);
        PoolKey key = target.key();
        ClusterRuntime cluster = target.cluster();
        EngineMetrics metrics = target.metrics();
        UpstreamTlsContext tls = cluster.tls();
        ChannelFuture connected = target.connector().bootstrap(target.loop())
                .option(ChannelOption.AUTO_READ, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, cluster.connectTimeoutMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(), key.endpoint().host(),
                                    key.endpoint().port(), cluster.connectTimeoutMillis()));
                        }
                        ch.pipeline().addLast("h2-upstream", conn);
                        if (tls == null) {
                            conn.addHttp2Codec(ch.pipeline());
                            return;
                        }
                        // Over TLS the codec joins only once ALPN chose h2: its connection preface must never
                        // reach a server that did not agree to speak HTTP/2.
                        ch.pipeline().addBefore("h2-upstream", "alpn",
                                new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                                    @Override
                                    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                                        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                                            conn.addHttp2Codec(ctx.pipeline());
                                        } else {
                                            conn.failed(new SSLHandshakeException(
                                                    "the upstream did not select h2 by ALPN"));
                                        }
                                    }

                                    @Override
                                    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
                                        conn.failed(cause); // reported by the handshake listener below
                                    }
                                });
                    }
                })
                .connect(key.endpoint().host(), key.endpoint().port());
        conn.channel = connected.channel();
        if (breaker != null) {
            conn.channel.closeFuture().addListener(f -> breaker.connectionClosed());
        }
        conn.streams = new Http2StreamChannelBootstrap(conn.channel)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.pipeline()
                                .addLast("codec", new Http2StreamFrameToHttpObjectCodec(false, true))
                                .addLast("h2-end", new Http2EndStreamCoalescer())
                                .addLast("h2-response", new Http2Responses())
                                .addLast("upstream", new UpstreamHandler(key, 0)); // the connection's idle handler covers it
                    }
                });
        connected.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                conn.failed(f.cause());
                return;
            }
            // A server that never says SETTINGS (an HTTP/1.1 server that waits for more of a request line) must
            // not hold the requests waiting for it: within the connect timeout, as a TLS handshake must.
            f.channel().eventLoop().schedule(() -> {
                if (!conn.ready) {
                    conn.failed(new ConnectTimeoutException("no HTTP/2 SETTINGS from the upstream within "
                            + cluster.connectTimeoutMillis() + " ms"));
                }
            }, cluster.connectTimeoutMillis(), TimeUnit.MILLISECONDS);
            if (tls != null) {
                f.channel().pipeline().get(SslHandler.class).handshakeFuture().addListener(h -> {
                    metrics.upstreamTlsHandshake(conn.cluster, h.isSuccess());
                    if (!h.isSuccess()) {
                        conn.failed(h.cause());
                    }
                });
            }
        });
        return conn;
    }

    /** The HTTP/2 frame codec and stream multiplexer, ahead of this handler. */
    private void addHttp2Codec(ChannelPipeline pipeline) {
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false))
                .validateHeaders(true)
                .gracefulShutdownTimeoutMillis(-1) // close on idle only with no stream open
                .build();
        // Before the codec closes the streams GOAWAY refused (and so before their retries ask the pool for a
        // connection), this one leaves the pool.
        codec.connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onGoAwayReceived(int lastStreamId, long errorCode, ByteBuf debugData) {
                goAwayReceived(lastStreamId, errorCode);
            }
        });
        pipeline.addBefore("h2-upstream", "h2-codec", codec)
                // the streams' flushes, one per request, become one per event-loop turn (as for client connections)
                .addBefore("h2-upstream", "h2-flush", new FlushConsolidationHandler(FLUSHES_BEFORE_WRITE, true))
                .addBefore("h2-upstream", "h2-mux", new Http2MultiplexHandler(new RefusePush()));
    }

    PoolKey key() {
        return key;
    }

    EventLoop loop() {
        return target.loop();
    }

    /** The cluster's name. */
    String cluster() {
        return cluster;
    }

    /** Whether this connection may take one more stream now or once it is ready. */
    boolean hasRoom() {
        return !goingAway && !closed && open < maxStreams && (channel == null || channel.isOpen());
    }

    /** In the pool with no stream open or promised: closing it loses nothing. */
    boolean idle() {
        return open == 0 && !goingAway && !closed;
    }

    /** Leaves the pool and closes (GOAWAY first, by the codec): its maxConnections place goes to a waiter. */
    void close() {
        leavePool();
        channel.close();
    }

    /**
     * Promises a stream channel: at once when ready, else when the server's SETTINGS arrive. The stream that
     * reaches the cluster's {@code maxRequestsPerConnection} is this connection's last: it leaves the pool and
     * closes once its streams are done.
     */
    void openStream(Promise<Channel> promise) {
        open++;
        idle.disarm();
        if (maxRequests > 0 && ++asked >= maxRequests) {
            leavePool();
        }
        if (ready) {
            startStream(promise);
        } else {
            waiting.add(promise);
        }
    }

    private void startStream(Promise<Channel> promise) {
        boolean reused = carried++ > 0;
        streams.open().addListener((io.netty.util.concurrent.Future<Http2StreamChannel> f) -> {
            if (!f.isSuccess()) {
                streamClosed();
                promise.tryFailure(f.cause());
                return;
            }
            Http2StreamChannel stream = f.getNow();
            if (reused) {
                stream.attr(UpstreamChannels.REUSED).set(Boolean.TRUE);
            }
            metrics.upstreamHttp2Stream(cluster);
            stream.closeFuture().addListener(c -> streamClosed());
            if (!promise.trySuccess(stream)) {
                stream.close(); // the exchange went away meanwhile
            }
        });
    }

    private void streamClosed() {
        open--;
        armIdleIfUnused();
        if (goingAway && open == 0) {
            channel.close(); // the last stream GOAWAY (or maxRequestsPerConnection) let finish
        } else if (breaker != null && hasRoom()) {
            pool.streamFreed(this, breaker); // a request waiting at maxConnections may take the stream
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        metrics.upstreamHttp2ConnectionOpened(cluster);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2SettingsFrame settings) {
                Long max = settings.settings().maxConcurrentStreams();
                if (max != null) {
                    maxStreams = max;
                }
                if (!ready) {
                    ready = true;
                    handOutWaiting();
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void goAwayReceived(int lastStreamId, long errorCode) {
        LOG.log(System.Logger.Level.DEBUG, "upstream " + key.endpoint() + " of cluster " + cluster + " sent GOAWAY "
                + errorCode + ", last stream " + lastStreamId);
        goingAway = true;
        pool.remove(this); // in-flight streams finish; new ones go to another connection
        if (open == 0) {
            channel.close();
        }
    }

    void leavePool() {
        goingAway = true;
        pool.remove(this);
    }

    /** Streams asked for while connecting: as many as the server allows here, the rest back to the pool. */
    private void handOutWaiting() {
        int started = 0;
        Promise<Channel> p;
        while ((p = waiting.poll()) != null) {
            if (started < maxStreams) {
                started++;
                startStream(p);
            } else if (maxStreams == 0) {
                // RFC 9113 6.5.2 allows 0 ("no streams for now"): refuse rather than open connection after
                // connection for streams no server of this kind takes; a retry may find room later.
                open--;
                notCarried();
                p.tryFailure(new RefusedStreamException("the upstream allows no concurrent streams"));
            } else {
                open--;
                notCarried();
                if (!pool.place(p, target, this, true)) {
                    p.tryFailure(new Http2UpstreamPool.NoConnectionPlace()); // the request waits for a place
                }
            }
        }
        if (goingAway && open == 0) {
            channel.close(); // out of the pool already (maxRequestsPerConnection, a probe's) and nothing to carry
        } else {
            armIdleIfUnused(); // every stream went elsewhere
        }
    }

    /** A promised stream went elsewhere: it does not count against maxRequestsPerConnection. */
    private void notCarried() {
        if (maxRequests > 0) {
            asked--;
        }
    }

    /**
     * No stream open: the idle timeout runs (a {@link LazyTimer}, not an {@code IdleStateHandler}, which would put
     * a listener on every frame written). A connection that carries a stream is never idle, however quiet.
     */
    private void armIdleIfUnused() {
        if (open == 0 && idleNanos > 0 && !goingAway && !closed) {
            idle.arm(idleNanos);
        }
    }

    private void idleExpired() {
        if (open == 0 && !closed) {
            leavePool(); // a stream placed before channelInactive would fail on a closing connection
            channel.close(); // idle with no stream: the codec's close says GOAWAY first
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(System.Logger.Level.DEBUG, "upstream HTTP/2 connection error", cause);
        leavePool();
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        metrics.upstreamHttp2ConnectionClosed(cluster);
        failed(ready ? new java.nio.channels.ClosedChannelException() : new java.io.IOException(
                "the upstream closed the connection before its HTTP/2 SETTINGS (not an HTTP/2 server?)"));
        ctx.fireChannelInactive();
    }

    /** Connect, handshake or ALPN failed, or the connection closed: its waiters fail, the pool forgets it. */
    private void failed(Throwable cause) {
        if (closed) {
            return;
        }
        closed = true;
        idle.stop();
        pool.remove(this);
        Promise<Channel> p;
        while ((p = waiting.poll()) != null) {
            p.tryFailure(cause);
        }
        channel.close();
    }

    /** Server push is disabled in our SETTINGS; a pushed stream would be a protocol error: close it. */
    private static final class RefusePush extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.channel().close();
        }

        @Override
        public boolean isSharable() {
            return true;
        }
    }
}
