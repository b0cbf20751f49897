package io.tidegate.kernel.engine;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.runtime.ClusterRuntime;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.runtime.CompiledTcpRoute;
import io.tidegate.kernel.tls.UpstreamTlsContext;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.SocketAddress;
import io.tidegate.spi.policy.Policy;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One connection of a {@code tcp} or {@code tls-passthrough} listener: asks the connection policies, picks the
 * route (by the ClientHello's SNI name for passthrough, see {@link ClientHelloSniffer}), the destination by
 * weight and the endpoint by the cluster's balancer, connects (another endpoint on failure, a bounded number
 * of times), replays what it buffered (the ClientHello) and hands the bytes to a {@link TunnelRelay}. When the
 * connection closes it writes one access log line and its metrics.
 *
 * <p>It pins the generation it started with, as requests do; a later swap closes it only when the new
 * generation no longer serves its route unchanged ({@link #onSwap}).
 */
final class L4Connection extends ChannelInboundHandlerAdapter implements TunnelRelay.Tally {

    private static final System.Logger LOG = System.getLogger(L4Connection.class.getName());

    /** Endpoints tried for one connection before giving up (the first included). */
    static final int MAX_CONNECT_ATTEMPTS = 3;

    private final EngineContext engine;
    private final GatewayConfig.ListenerConfig listener;
    private final boolean passthrough;
    private final ConnectionAdmission admission = new ConnectionAdmission();
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();
    /** Bytes read before the upstream was connected (the ClientHello); retained, released on failure. */
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>(2);

    private ChannelHandlerContext ctx;
    private DownstreamConnection connection;
    private CompiledConfig config;
    private ScheduledFuture<?> helloTimer;
    private boolean helloRead;
    private String serverName;
    private CompiledTcpRoute route;
    private String clusterName;
    private ClusterRuntime cluster;
    private int endpoint = -1;
    private boolean endpointHeld;
    private int attempts;
    private String upstreamAddress;
    private TunnelRelay relay;
    private Channel upstream;
    private boolean closed;
    private long bytesReceived;
    private long bytesSent;
    private String flag;
    /** A connection policy's denial reason, for the access log. */
    private String refusal;
    /** {@code DC} or {@code UC}: which side ended first, the flag when nothing else went wrong. */
    private String endedFirst;

    L4Connection(EngineContext engine, GatewayConfig.ListenerConfig listener) {
        this.engine = requireNonNull(engine, "engine");
        this.listener = requireNonNull(listener, "listener");
        this.passthrough = listener.listener().protocol() == ListenerProtocol.TLS_PASSTHROUGH;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        connection = new DownstreamConnection((InetSocketAddress) ch.remoteAddress(),
                (InetSocketAddress) ch.localAddress(), listener.name(), listener.listener().role());
        engine.metrics().connectionOpened();
        engine.l4Metrics().opened();
        engine.l4Opened(this);
        config = engine.config(); // pinned for the life of the connection
        if (passthrough) {
            helloTimer = ctx.executor().schedule(this::helloTimedOut,
                    listener.l4().clientHelloTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        if (passthrough) {
            ctx.read(); // the sniffer reads on until the whole ClientHello is in; policies are asked then
        } else {
            admit();
        }
    }

    /**
     * Asks the listener's connection policies, then routes. On passthrough listeners this happens once the
     * ClientHello is read, so a policy sees its SNI name ({@code ConnectionView.serverName()}; the connection is
     * not TLS-terminated, so {@code isTls()} is false), as egress SNI allowlists need.
     */
    private void admit() {
        List<Policy> policies = config.connectionPolicies(listener.name());
        if (policies.isEmpty()) {
            admitted();
            return;
        }
        admission.ask(policies, connection, ctx, new ConnectionAdmission.Verdict() {
            @Override
            public void admitted() {
                L4Connection.this.admitted();
            }

            @Override
            public void refused(String reason) {
                LOG.log(System.Logger.Level.DEBUG, "connection from " + connection.clientIp() + " refused: " + reason);
                refusal = reason;
                refuse(reason.startsWith("policy failed") ? "PF" : "PD", L4Metrics.Refusal.POLICY_DENIED);
            }
        });
    }

    private void admitted() {
        if (!closed) {
            route(serverName);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ClientHelloSniffer.Hello hello) {
            helloRead = true;
            cancelHelloTimer();
            if (hello.malformed()) {
                refuse("DPE", L4Metrics.Refusal.BAD_CLIENT_HELLO);
            } else {
                serverName = hello.serverName();
                connection.handshakeDone(serverName, List.of()); // no handshake of ours: the SNI name only
                admit();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void helloTimedOut() {
        if (!helloRead && !closed) {
            refuse("HT", L4Metrics.Refusal.CLIENT_HELLO_TIMEOUT);
        }
    }

    private void route(String sni) {
        CompiledTcpRoute r = config.l4Table(listener.name()).match(sni);
        if (r == null) {
            refuse("NR", L4Metrics.Refusal.NO_ROUTE);
            return;
        }
        route = r;
        int destination = r.pickDestination();
        if (destination < 0) {
            refuse("UH", L4Metrics.Refusal.NO_HEALTHY_UPSTREAM);
            return;
        }
        clusterName = r.clusterName(destination);
        cluster = r.cluster(destination);
        if (cluster == null) {
            refuse("NC", L4Metrics.Refusal.NO_CLUSTER);
            return;
        }
        connect(cluster.pick());
    }

    private void connect(int index) {
        if (index < 0) {
            refuse("UH", L4Metrics.Refusal.NO_HEALTHY_UPSTREAM);
            return;
        }
        endpoint = index;
        attempts++;
        SocketAddress target = cluster.endpoint(index).address();
        upstreamAddress = target.toString();
        cluster.onRequestStart(index);
        endpointHeld = true;
        if (relay == null) {
            relay = new TunnelRelay(ctx.channel(), this);
        }
        // The upstream lives on the client's loop, with the L4 transport (see Engine#l4Transport).
        UpstreamTlsContext tls = originatesTls();
        ChannelHandler upstreamHandler = tls == null ? relay.upstreamSide() : new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(), target.host(), target.port(),
                        cluster.connectTimeoutMillis()));
                // The relay joins once the handshake succeeded: a failed handshake's errors must not end the
                // tunnel (and the client) while another endpoint is tried.
                ch.pipeline().addLast("relay", HandshakeGuard.INSTANCE);
            }
        };
        Bootstrap b = new Bootstrap().group(ctx.channel().eventLoop())
                .channel(engine.l4Transport().clientChannel())
                .resolver(engine.l4Resolver())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        cluster.connectTimeoutMillis()))
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(upstreamHandler);
        b.connect(target.host(), target.port()).addListener((ChannelFutureListener) f -> onConnect(f, index));
    }

    /**
     * The cluster's upstream TLS, originated on {@code tcp} listeners (Envoy's cluster transport socket under
     * {@code tcp_proxy}): the client's bytes go into a TLS session to the endpoint. A passthrough listener
     * relays the client's own TLS, so it never originates (the compiler warns about such a route).
     */
    private UpstreamTlsContext originatesTls() {
        return passthrough ? null : cluster.tls();
    }

    private void onConnect(ChannelFuture f, int index) {
        if (closed) {
            if (f.isSuccess()) {
                f.channel().close();
            }
            return; // channelInactive released the endpoint
        }
        if (!f.isSuccess()) {
            connectFailed(f.cause(), index);
            return;
        }
        SslHandler tls = f.channel().pipeline().get(SslHandler.class);
        if (tls == null) {
            connected(f.channel());
            return;
        }
        tls.handshakeFuture().addListener(h -> {
            engine.metrics().upstreamTlsHandshake(clusterName, h.isSuccess());
            if (closed) {
                f.channel().close();
            } else if (h.isSuccess()) {
                connected(f.channel());
            } else {
                f.channel().close();
                connectFailed(h.cause(), index); // as a refused connection: another endpoint, or UF
            }
        });
    }

    /** A connect (or its TLS handshake) failed: another endpoint, a bounded number of times, else {@code UF}. */
    private void connectFailed(Throwable cause, int index) {
        LOG.log(System.Logger.Level.DEBUG, "l4 " + listener.name() + ": connect to " + upstreamAddress
                + " (cluster " + clusterName + ") failed: " + cause);
        endpointHeld = false;
        if (cluster.onRequestEnd(index, 0, true)) {
            engine.metrics().outlierEjected(clusterName);
        }
        int next = attempts < MAX_CONNECT_ATTEMPTS ? cluster.pickOther(index) : -1;
        if (next >= 0 && next != index) {
            connect(next);
        } else {
            refuse("UF", L4Metrics.Refusal.CONNECT_FAILED);
        }
    }

    private void connected(Channel up) {
        if (up.pipeline().get(HandshakeGuard.class) != null) {
            up.pipeline().replace(HandshakeGuard.class, "relay", relay.upstreamSide());
        }
        engine.metrics().upstreamConnectionOpened(clusterName);
        engine.l4Metrics().relayed(listener.name(), clusterName);
        startRelay(up);
    }

    private void startRelay(Channel up) {
        upstream = up;
        io.netty.channel.ChannelPipeline p = ctx.pipeline();
        p.addBefore(ctx.name(), "tunnel", relay.clientSide());
        p.addBefore("tunnel", "idle", new IdleStateHandler(0, 0, route.idleTimeoutNanos(), TimeUnit.NANOSECONDS));
        relay.attach(up);
        ByteBuf early;
        while ((early = pending.poll()) != null) {
            bytesReceived += early.readableBytes();
            up.write(early).addListener((ChannelFutureListener) w -> {
                if (!w.isSuccess()) {
                    flagIfUnset("UC");
                    ctx.close();
                }
            });
        }
        up.flush();
        relay.start();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closed || !(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        pending.add(buf); // the buffered ClientHello, replayed once the upstream is connected
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (passthrough && !helloRead) {
            // The sniffer's: an alert or change-cipher-spec before the hello, or a hello over the limit.
            LOG.log(System.Logger.Level.DEBUG, "l4 " + listener.name() + ": bad ClientHello: " + cause);
            refuse("DPE", L4Metrics.Refusal.BAD_CLIENT_HELLO);
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "l4 " + listener.name() + ": client error", cause);
        flagIfUnset("DC");
        ctx.close();
    }

    /** Closes before any tunnel, counting why. */
    private void refuse(String why, L4Metrics.Refusal reason) {
        if (flag == null) {
            flag = why;
            engine.l4Metrics().refused(listener.name(), reason);
        }
        ctx.close();
    }

    /** A config swap: closes the connection when the new generation does not serve its route unchanged. */
    void onSwap(CompiledConfig next) {
        if (route != null && !closed && !next.l4Table(listener.name()).serves(route.route())) {
            flagIfUnset("RC");
            ctx.close();
        }
    }

    /** The drain deadline passed: the connection closes. */
    void closeForDrain() {
        if (!closed) {
            flagIfUnset("DR");
            ctx.close();
        }
    }

    /** The event loop the connection runs on (drain and swaps hop onto it). */
    io.netty.channel.EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        sideEnded(true);
        cancelHelloTimer();
        ByteBuf b;
        while ((b = pending.poll()) != null) {
            b.release();
        }
        if (upstream == null && relay != null) {
            relay = null; // still connecting: onConnect closes what it gets
        }
        if (endpointHeld) {
            endpointHeld = false;
            // An established connection counts as a success for outlier detection (as an answered request does).
            cluster.onRequestEnd(endpoint, upstream != null ? 200 : 0, false);
        }
        admission.closed(connection);
        engine.metrics().connectionClosed();
        engine.l4Metrics().closed(listener.name(), upstream != null ? clusterName : null, bytesReceived, bytesSent);
        engine.l4Closed(this);
        long micros = (System.nanoTime() - startNanos) / 1000;
        engine.accessLog().log(new AccessLog.L4Entry(startMillis, connection.clientIp(), passthrough ? "TLS" : "TCP",
                listener.name(), serverName, route == null ? null : route.name(), clusterName,
                upstream != null || attempts > 0 ? upstreamAddress : null, bytesReceived, bytesSent, micros,
                flag != null ? flag : endedFirst, refusal));
        ctx.fireChannelInactive();
    }

    private void cancelHelloTimer() {
        if (helloTimer != null) {
            helloTimer.cancel(false);
            helloTimer = null;
        }
    }

    // ---- TunnelRelay.Tally ----------------------------------------------------------------------

    @Override
    public void fromClient(long bytes) {
        bytesReceived += bytes;
    }

    @Override
    public void toClient(long bytes) {
        bytesSent += bytes;
    }

    @Override
    public void flagIfUnset(String f) {
        if (flag == null) {
            flag = f;
        }
    }

    @Override
    public void sideEnded(boolean byClient) {
        if (endedFirst == null) {
            endedFirst = byClient ? "DC" : "UC";
        }
    }

    /**
     * Stands where the relay's upstream side will be while an originated TLS handshake runs: what that
     * connection reports (a failed handshake's alert) belongs to it alone, and it is closed by the handshake's
     * listener, which then tries another endpoint.
     */
    @ChannelHandler.Sharable
    private static final class HandshakeGuard extends ChannelInboundHandlerAdapter {
        static final HandshakeGuard INSTANCE = new HandshakeGuard();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg); // nothing is relayed before the handshake is done
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.log(System.Logger.Level.DEBUG, "l4 upstream TLS handshake error", cause);
            ctx.close();
        }
    }
}
