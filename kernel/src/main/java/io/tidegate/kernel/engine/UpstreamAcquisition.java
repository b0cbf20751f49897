package io.tidegate.kernel.engine;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.tidegate.kernel.runtime.ClusterRuntime;
import io.tidegate.kernel.runtime.RetryRules;

/**
 * Getting an exchange a new upstream connection to {@code e.poolKey}: connect (a failure is retried or
 * answered), or, with the cluster's {@code maxConnections} reached, wait for one as a pending request
 * and make an idle connection give up its place. For an HTTP/2 cluster the same holds for streams: a
 * request that finds every allowed connection full waits until a stream or a place frees. Stateless; the exchange's handler is its {@link ExchangeControl}.
 */
final class UpstreamAcquisition {

    /** The handler's logger: these lines were always its own, and log configuration names it. */
    private static final System.Logger LOG = System.getLogger(ProxyFrontendHandler.class.getName());

    private UpstreamAcquisition() {
    }

    /** Opens a connection to {@code e.poolKey} and sends on it; waits when the cluster allows no more. */
    static void connect(EngineContext engine, ChannelHandlerContext ctx, ExchangeControl owner, Exchange e) {
        Future<Channel> future = UpstreamChannels.open(engine, ctx.channel().eventLoop(), e.poolKey, e.cluster);
        if (future == null) {
            awaitConnection(engine, ctx, owner, e);
            return;
        }
        if (e.connectionWaiter != null) {
            e.connectionWaiter.stop();
        }
        future.addListener((Future<Channel> f) -> {
            if (!owner.runs(e)) {
                if (f.isSuccess()) {
                    f.getNow().close();
                }
                return;
            }
            if (!f.isSuccess()) {
                if (f.cause() instanceof Http2UpstreamPool.NoConnectionPlace) {
                    awaitConnection(engine, ctx, owner, e); // its new HTTP/2 connection had no stream left for it
                    return;
                }
                boolean timeout = f.cause() instanceof ConnectTimeoutException;
                boolean tls = f.cause() instanceof javax.net.ssl.SSLException
                        || f.cause() instanceof io.netty.handler.codec.DecoderException
                        && f.cause().getCause() instanceof javax.net.ssl.SSLException;
                LOG.log(System.Logger.Level.WARNING, "upstream " + e.poolKey.endpoint() + " of cluster "
                        + e.cluster.name() + ": connect failed: " + f.cause());
                if (owner.retry(e, RetryRules.Failure.CONNECT, 0, null)) {
                    return;
                }
                if (f.cause() instanceof java.net.UnknownHostException) { // NXDOMAIN, no A record, no DNS answer
                    owner.respondError(e, HttpResponseStatus.SERVICE_UNAVAILABLE, "upstream host not resolved", "DF");
                    return;
                }
                owner.respondError(e, timeout ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY,
                        timeout ? "upstream connect timeout" : tls ? "upstream TLS handshake failed"
                                : "upstream connect failed", "UF");
                return;
            }
            owner.attach(e, f.getNow(), UpstreamChannels.reused(f.getNow()));
        });
    }

    /** The cluster's {@code maxConnections} is reached: wait for a connection to free, or overflow. */
    private static void awaitConnection(EngineContext engine, ChannelHandlerContext ctx, ExchangeControl owner,
            Exchange e) {
        ConnectionWaiter w = e.connectionWaiter;
        if (w == null) {
            w = new ConnectionWaiter(ctx.channel().eventLoop(), e, owner);
            engine.metrics().overflow(e.cluster.name(), "maxConnections");
        }
        if (!w.enqueue(e.cluster.breaker(), e.cluster.connectTimeoutMillis())) {
            overloaded(engine, ctx, owner, e, "maxPendingRequests",
                    "too many requests waiting for an upstream connection");
            return;
        }
        reclaimIdlePlace(ctx.channel().eventLoop(), e.cluster);
        owner.waitsForConnection(e);
    }

    /**
     * maxConnections is reached while connections may sit idle in a pool (this loop's, or another's, or for
     * another endpoint): close one so that its place wakes a waiter, rather than letting them wait it out.
     */
    private static void reclaimIdlePlace(EventLoop own, ClusterRuntime cluster) {
        if (closeOneIdle(cluster)) {
            return;
        }
        for (EventExecutor loop : own.parent()) {
            if (loop != own) {
                loop.execute(() -> {
                    if (cluster.breaker().hasWaiters()) {
                        closeOneIdle(cluster);
                    }
                });
            }
        }
    }

    /** Closes one of the calling loop's connections of {@code cluster} that carries nothing. */
    private static boolean closeOneIdle(ClusterRuntime cluster) {
        return UpstreamChannels.isHttp2(cluster) ? Http2UpstreamPool.current().closeOneIdle(cluster.name())
                : UpstreamPool.current().closeOneIdle(cluster.name());
    }

    /**
     * A circuit breaker overflowed: Envoy's 503 with {@code x-envoy-overloaded}, flag {@code UO}.
     *
     * @param limit the limit to count the overflow against; null: counted already
     */
    static void overloaded(EngineContext engine, ChannelHandlerContext ctx, ExchangeControl owner, Exchange e,
            String limit, String detail) {
        if (limit != null) {
            engine.metrics().overflow(e.cluster.name(), limit);
        }
        owner.respondLocal(e, Responses.overloaded(ctx.alloc(), detail), "UO");
    }
}
