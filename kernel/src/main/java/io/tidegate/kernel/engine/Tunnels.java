package io.tidegate.kernel.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.tidegate.kernel.runtime.ForwardProxyRoute;
import io.tidegate.spi.policy.Decision;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Exchanges that leave HTTP behind: the forward proxy's way to its target (docs/engine.md, "Forward
 * proxy"), which ends in a CONNECT tunnel or an ordinary forward, and the byte relay a CONNECT tunnel or
 * an upgraded WebSocket becomes. Stateless: what it needs of the client connection it asks its
 * {@link ExchangeControl}.
 */
final class Tunnels {

    /** The handler's logger: these lines were always its own, and log configuration names it. */
    private static final System.Logger LOG = System.getLogger(ProxyFrontendHandler.class.getName());

    /** No Content-Length or Transfer-Encoding: a 2xx to CONNECT must not have them (RFC 9110 section 9.3.6). */
    private static final byte[] CONNECT_ESTABLISHED = "HTTP/1.1 200 Connection Established\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    private Tunnels() {
    }

    /**
     * A request on the forward-proxy route: resolve the target without blocking, ask the policies about
     * the resolved address (the DNS rebinding guard), then connect to exactly that address. Absolute-form
     * requests continue as any forward does (pool keyed by the resolved address); CONNECT opens a tunnel.
     */
    static void forwardProxy(EngineContext engine, ChannelHandlerContext ctx, ExchangeControl owner, Exchange e) {
        RequestHead h = e.head;
        engine.forwardProxy().resolve(ctx.channel().eventLoop(), h.host()).whenComplete((addresses, failure) ->
                ctx.executor().execute(() -> {
                    if (!owner.runs(e)) {
                        return;
                    }
                    if (failure != null || addresses.isEmpty()) {
                        LOG.log(System.Logger.Level.WARNING, "forward proxy: cannot resolve " + h.host() + ": "
                                + (failure != null ? failure : "no address"));
                        owner.respondError(e, HttpResponseStatus.BAD_GATEWAY, "cannot resolve upstream host", "UF");
                        return;
                    }
                    InetSocketAddress target = new InetSocketAddress(addresses.get(0), h.port());
                    e.poolKey = new PoolKey(ForwardProxyRoute.NAME,
                            new io.tidegate.spi.model.SocketAddress(target.getAddress().getHostAddress(), h.port()));
                    CompletionStage<Decision> verdict;
                    try {
                        verdict = ForwardProxy.checkAddress(e.route.policies(), h, target);
                    } catch (RuntimeException thrown) {
                        PolicyStages.policyFailed(owner, e, thrown);
                        return;
                    }
                    verdict.whenComplete((decision, denied) -> ctx.executor().execute(() -> {
                        if (!owner.runs(e)) {
                            return;
                        }
                        if (denied != null) {
                            PolicyStages.policyFailed(owner, e, denied);
                        } else if (PolicyStages.applyDecision(ctx, owner, e, decision)) {
                            proxyConnect(engine, ctx, owner, e, target);
                        }
                    }));
                }));
    }

    private static void proxyConnect(EngineContext engine, ChannelHandlerContext ctx, ExchangeControl owner, Exchange e,
            InetSocketAddress target) {
        e.cluster = e.route.cluster(0);
        e.destination = 0;
        if (!e.head.isConnect()) {
            owner.forwardToTarget(e);
            return;
        }
        TunnelRelay relay = new TunnelRelay(ctx.channel(), e);
        ChannelFuture future = engine.forwardProxy().connectTunnel(ctx.channel().eventLoop(), target,
                e.cluster.connectTimeoutMillis(), relay.upstreamSide());
        future.addListener((ChannelFutureListener) f -> {
            if (!owner.runs(e)) {
                if (f.isSuccess()) {
                    f.channel().close();
                }
                return;
            }
            if (!f.isSuccess()) {
                boolean timeout = f.cause() instanceof ConnectTimeoutException;
                LOG.log(System.Logger.Level.WARNING, "forward proxy: CONNECT " + e.poolKey.endpoint()
                        + ": connect failed: " + f.cause());
                owner.respondError(e, timeout ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY,
                        timeout ? "upstream connect timeout" : "upstream connect failed", "UF");
                return;
            }
            engine.metrics().upstreamConnectionOpened(e.cluster.name());
            openTunnel(ctx, owner, e, relay, f.channel());
        });
    }

    /** Answers {@code 200 Connection Established} and relays the tunnel's bytes. */
    private static void openTunnel(ChannelHandlerContext ctx, ExchangeControl owner, Exchange e, TunnelRelay relay,
            Channel upstream) {
        relayBytes(ctx, owner, e, relay, upstream, 200);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(CONNECT_ESTABLISHED)); // raw: the encoder is gone
        relay.start();
    }

    /**
     * The upstream accepted the upgrade: the 101 goes to the client, then both connections drop their
     * HTTP codecs and a {@link TunnelRelay} relays bytes. The request timeout no longer applies
     * (a WebSocket lives as long as it is used; the handler turned it off); the idle timeout does, as nginx's
     * read timeout does.
     */
    static void switchProtocols(ChannelHandlerContext ctx, ExchangeControl owner, Exchange e, HttpResponse response) {
        e.switching = true;
        e.status = 101;
        e.responseStarted = true;
        e.upstreamReusable = false; // the connection now belongs to the tunnel
        e.cancelTryTimer();
        FullHttpResponse head = ResponseHeads.switchingProtocols(e, response);
        ReferenceCountUtil.release(response);
        ctx.writeAndFlush(head).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess() || !owner.runs(e)) {
                owner.finish(true);
                return;
            }
            openWebSocket(ctx, owner, e);
        });
    }

    /** The upgrade's 101 reached the client: the upstream connection leaves its HTTP codec for the relay. */
    static void openWebSocket(ChannelHandlerContext ctx, ExchangeControl owner, Exchange e) {
        Channel upstream = e.upstream;
        e.upstreamHandler.unbind();
        e.upstream = null; // the relay owns it now, and closes it with the tunnel
        TunnelRelay relay = new TunnelRelay(ctx.channel(), e);
        ChannelPipeline up = upstream.pipeline();
        up.replace("upstream", "tunnel", relay.upstreamSide());
        relayBytes(ctx, owner, e, relay, upstream, 101);
        ByteBuf early;
        while ((early = e.earlyTunnelBytes.poll()) != null) {
            ctx.write(early); // sent by the upstream right after its 101, before what its decoder still holds
        }
        ctx.flush();
        up.remove("codec"); // bytes the decoder still holds go to the relay, and on to the client
        relay.start();
    }

    /**
     * Turns this connection into a byte relay to {@code upstream} (a CONNECT tunnel or an upgraded
     * WebSocket): the HTTP codec leaves the pipeline, the keep-alive timer becomes the tunnel's idle
     * timer, and the exchange stays open (counting bytes) until either side closes; then it is logged
     * like any other, with {@code status}.
     */
    private static void relayBytes(ChannelHandlerContext ctx, ExchangeControl owner, Exchange e, TunnelRelay relay,
            Channel upstream, int status) {
        e.cancelTryTimer(); // a tunnel lives as long as bytes move; the request timeout is for exchanges
        e.status = status;
        e.responseStarted = true;
        e.responseDone = true;
        e.closeConnection = true;
        owner.relayStarts(e);
        ChannelPipeline p = ctx.pipeline();
        p.addBefore(ctx.name(), "tunnel", relay.clientSide());
        long idle = e.route.idleTimeoutNanos();
        if (p.get("keepalive") != null) {
            p.remove("keepalive"); // an HTTP/2-capable listener's connection timer; the tunnel has its own
        }
        if (idle > 0) {
            p.addBefore("tunnel", "keepalive", new IdleStateHandler(0, 0, idle, TimeUnit.NANOSECONDS));
        }
        relay.attach(upstream);
        p.remove("codec"); // bytes the decoder still holds go to the relay, and on to the upstream
    }
}
