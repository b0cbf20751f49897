package io.tidegate.kernel.engine;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.tidegate.kernel.runtime.ClusterRuntime;
import io.tidegate.kernel.runtime.ForwardProxyRoute;
import io.tidegate.kernel.runtime.RetryRules;
import io.tidegate.spi.model.Endpoint;
import java.util.concurrent.TimeUnit;

/**
 * A forwarded request's way to an upstream: the destination and endpoint, the circuit breaker's request
 * place, mirrors, the upstream's request head, each try (its per-try timeout, a pooled connection or a new
 * one), and what follows when the upstream fails before the response ends. Stateless; the exchange's
 * handler is its {@link ExchangeControl}.
 */
final class UpstreamAttempts {

    /** The handler's logger: these lines were always its own, and log configuration names it. */
    private static final System.Logger LOG = System.getLogger(ProxyFrontendHandler.class.getName());

    private UpstreamAttempts() {
    }

    /** The route's action is to forward: pick where, then send the first try. */
    static void forward(EngineContext engine, ChannelHandlerContext ctx, DownstreamConnection connection,
            ExchangeControl owner, Exchange e) {
        if (ForwardProxyRoute.is(e.route)) {
            Tunnels.forwardProxy(engine, ctx, owner, e);
            return;
        }
        int destination = e.route.pickDestination();
        if (destination < 0) {
            owner.respondError(e, HttpResponseStatus.SERVICE_UNAVAILABLE, "no destination has weight", "UH");
            return;
        }
        ClusterRuntime cluster = e.route.cluster(destination);
        if (cluster == null) {
            owner.respondError(e, HttpResponseStatus.SERVICE_UNAVAILABLE, "cluster not found", "NC");
            return;
        }
        int index = cluster.pick(e.head);
        if (index < 0) {
            owner.respondError(e, HttpResponseStatus.SERVICE_UNAVAILABLE, "no healthy upstream", "UH");
            return;
        }
        e.affinityCookie = cluster.affinityCookie(e.head, index);
        e.cluster = cluster;
        if (cluster.breaker() != null && !(e.breakerRequest = cluster.breaker().tryStartRequest())) {
            UpstreamAcquisition.overloaded(engine, ctx, owner, e, "maxRequests",
                    "too many requests to the upstream cluster");
            return;
        }
        prepareHead(owner, connection, e, destination);
        if (e.route.mirrors().length > 0 && e.upgrade == null) {
            e.mirrors = Mirrors.start(engine, ctx.channel().eventLoop(), e.route, e.head, e.head.request(),
                    e.pendingBody, e.requestDone);
        }
        sendAttempt(engine, ctx, owner, e, index);
    }

    /** Turns the request head into the upstream's, for the chosen destination; answers 100-continue. */
    static void prepareHead(ExchangeControl owner, DownstreamConnection connection, Exchange e, int destination) {
        UpstreamRequests.prepare(e.head, e.route, destination, connection, e.policyRequestEdits);
        ExchangeTracing.inject(e.trace, e.head.request().headers());
        if (e.upgrade != null) {
            // Hop-by-hop, so stripped above; an upgrade the gateway carries is asked of the next hop anew.
            e.head.request().headers().set(HttpHeaderNames.UPGRADE, e.upgrade)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
        e.destination = destination;
        if (e.expectContinue && !e.requestDone) {
            owner.sendContinue(e);
        }
    }

    /** One try of the request: to endpoint {@code index}, on a pooled connection or a new one. */
    static void sendAttempt(EngineContext engine, ChannelHandlerContext ctx, ExchangeControl owner, Exchange e,
            int index) {
        e.endpointIndex = index;
        e.cluster.onRequestStart(index);
        Endpoint endpoint = e.cluster.endpoint(index);
        e.poolKey = new PoolKey(e.cluster.name(), endpoint.address(), e.cluster.tls());
        RetryRules rules = e.route.retries();
        if (rules != null && rules.perTryTimeoutNanos() > 0) {
            e.tryTimer = ctx.executor().schedule(() -> perTryTimeout(owner, e), rules.perTryTimeoutNanos(),
                    TimeUnit.NANOSECONDS);
        }
        sendOnPooledOrNewConnection(engine, ctx, owner, e);
    }

    /** Sends to {@code e.poolKey}: on an idle pooled connection of this loop, or a new one. */
    static void sendOnPooledOrNewConnection(EngineContext engine, ChannelHandlerContext ctx, ExchangeControl owner,
            Exchange e) {
        e.attemptStartNanos = System.nanoTime();
        Channel pooled = UpstreamPool.current().poll(e.poolKey);
        if (pooled != null) {
            owner.attach(e, pooled, true);
        } else {
            UpstreamAcquisition.connect(engine, ctx, owner, e);
        }
    }

    /** Writes the request head and what arrived of its body (all of it again on a retry), and reads the answer. */
    static void sendRequest(Exchange e, Channel upstream) {
        // A void promise: a failed write fires exceptionCaught on the upstream pipeline (UpstreamHandler tells
        // the exchange), with no promise or listener per write.
        upstream.write(e.head.request(), upstream.voidPromise());
        HttpContent c;
        if (e.retries > 0) {
            e.releasePendingBodyOnly(); // every chunk received so far is in the replay copy
            for (HttpContent kept : e.replay) {
                write(e, kept.retainedDuplicate());
            }
        }
        while ((c = e.pendingBody.poll()) != null) {
            write(e, c);
        }
        if (e.requestDone && !e.lastContentWritten) {
            write(e, LastHttpContent.EMPTY_LAST_CONTENT); // a retry after the first try consumed it
        }
        upstream.flush();
        upstream.read();
    }

    /** Writes a part of the request body to the exchange's upstream connection (not flushed). */
    static void write(Exchange e, HttpContent c) {
        if (c instanceof LastHttpContent) {
            e.lastContentWritten = true;
        }
        e.upstream.write(c, e.upstream.voidPromise());
    }

    /**
     * The upstream failed before the response ended. An idempotent request that had no body and went
     * out on a reused keep-alive connection is tried once more on a fresh one: the upstream may have
     * closed the idle connection just as we sent (the race every keep-alive client has).
     *
     * @param refused an HTTP/2 stream the upstream refused unprocessed (RFC 9113 section 8.7): without a
     *                body it is sent once more whatever its method
     */
    static void failed(EngineContext engine, ChannelHandlerContext ctx, ExchangeControl owner, Exchange e,
            String detail, String flag, boolean refused) {
        if (Retries.resendsOnFreshConnection(e, refused)) {
            e.retried = true;
            owner.detachUpstream(e);
            e.lastContentWritten = false;
            UpstreamAcquisition.connect(engine, ctx, owner, e);
            return;
        }
        if (e.responseStarted) {
            owner.abort(e, flag);
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "route " + e.route.name() + ", upstream " + e.upstreamAddress()
                + ": " + detail);
        if (owner.retry(e, refused ? RetryRules.Failure.REFUSED : "UPE".equals(flag) ? RetryRules.Failure.STATUS
                : RetryRules.Failure.RESET, 502, null)) {
            return;
        }
        owner.respondError(e, HttpResponseStatus.BAD_GATEWAY, detail, flag);
    }

    private static void perTryTimeout(ExchangeControl owner, Exchange e) {
        if (!owner.runs(e) || e.responseStarted) {
            return;
        }
        e.tryTimer = null;
        if (!owner.retry(e, RetryRules.Failure.TIMEOUT, 0, null)) {
            owner.timedOut(e, "UT", "upstream per-try timeout");
        }
    }
}
