package io.tidegate.kernel.engine;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.runtime.RetryRules;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.policy.Policy;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The client side of an HTTP/1.1 proxy connection: one exchange at a time, in order.
 *
 * <p>Flow control is explicit. Both channels run with {@code AUTO_READ} off. The client is read only
 * when there is nowhere else for bytes to wait: between requests, or while a request body streams
 * to a writable upstream. The upstream is read only while the client is writable. So a slow reader
 * on either side stalls the other side's socket, not the gateway's heap. The upstream channel lives
 * on this channel's event loop, so none of this needs a lock.
 *
 * <p>A pipelined request that arrives while an exchange runs waits in {@link #backlog}; it was part
 * of a read already done, so the backlog is bounded by one read.
 *
 * <p>This class keeps the channel events and the exchange's state machine. The stages of an exchange are
 * stateless classes that reach back through {@link ExchangeControl} (so an HTTP/2 stream, one handler per
 * request, allocates nothing for them): {@link RequestRouting}, {@link PolicyStages}, {@link UpstreamAttempts},
 * {@link UpstreamAcquisition}, {@link Retries}, {@link Tunnels}; responses take their heads from
 * {@link ResponseHeads} and {@link LocalReplies}, and {@link ExchangeLog} keeps the books of each exchange.
 */
final class ProxyFrontendHandler extends ChannelInboundHandlerAdapter implements UpstreamListener,
        ClientTimers.Owner, ExchangeControl {

    private static final System.Logger LOG = System.getLogger(ProxyFrontendHandler.class.getName());

    private final EngineContext engine;
    private final GatewayConfig.ListenerConfig listener;
    private final ArrayDeque<Object> backlog = new ArrayDeque<>(2);

    /** The connection's context: its event loop and allocator (on an HTTP/2 stream, the connection's). */
    private ChannelHandlerContext ctx;
    /** Where requests come from and responses go: the connection, or one HTTP/2 stream. */
    private Downstream out;
    private DownstreamConnection connection;
    /** The connection policies' verdict; those that admitted this connection hear when it closes. Not on a stream. */
    private final ConnectionAdmission admission;
    private Exchange ex;
    private ClientTimers timers;
    private boolean closing;
    /** TLS connections: requests wait until the handshake is done and the connection policies admitted it. */
    private boolean admitting;
    /**
     * Non-null for an HTTP/2 stream: the connection it belongs to ({@link Http2Connection} owns the connection's
     * admission, metrics and keep-alive). The handler then carries exactly one exchange, and is not in a
     * pipeline: {@link Http2Frontend} drives it through the {@code stream*} methods.
     */
    private final DownstreamConnection stream;

    ProxyFrontendHandler(EngineContext engine, GatewayConfig.ListenerConfig listener) {
        this(engine, listener, null);
    }

    private ProxyFrontendHandler(EngineContext engine, GatewayConfig.ListenerConfig listener,
            DownstreamConnection stream) {
        this.engine = requireNonNull(engine, "engine");
        this.listener = requireNonNull(listener, "listener");
        this.stream = stream;
        this.admission = stream == null ? new ConnectionAdmission() : null;
    }

    /**
     * The exchange of one HTTP/2 stream of {@code connection}, whose handler context is {@code connectionCtx}; it
     * reads from and answers on {@code stream}. Admitted with its connection: requests may come at once.
     */
    static ProxyFrontendHandler forStream(EngineContext engine, GatewayConfig.ListenerConfig listener,
            DownstreamConnection connection, ChannelHandlerContext connectionCtx, Downstream stream,
            ClientTimers.Pool timers) {
        ProxyFrontendHandler h = new ProxyFrontendHandler(engine, listener, connection);
        h.ctx = connectionCtx;
        h.out = stream;
        h.timers = timers.take(h); // a stream's keep-alive is its connection's (Http2Connection's timer)
        h.connection = connection;
        return h;
    }

    // ---- client channel events -----------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.out = new Http1Downstream(ctx);
        timers = new ClientTimers(ctx.executor(), this, listener.keepAliveTimeout().toNanos());
    }

    @Override
    public Exchange current() {
        return ex;
    }

    @Override
    public void keepAliveExpired() {
        if (ex == null && !closing) {
            closing = true;
            out.close(); // keep-alive connection idle too long
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        connection = new DownstreamConnection((InetSocketAddress) ch.remoteAddress(),
                (InetSocketAddress) ch.localAddress(), listener.name(), listener.listener().role(),
                listener.tls() != null);
        engine.metrics().connectionOpened();
        timers.awaitingRequest();
        if (listener.tls() != null) {
            admitting = true; // policies are asked once the handshake tells them the SNI name and client certificate
            ctx.read(); // drives the handshake; the TLS handlers keep reading until it is done
            return;
        }
        admit();
    }

    /** The TLS handshake is done: the connection learns its SNI name and client chain, then policies are asked. */
    private void onHandshake(ChannelHandlerContext ctx, io.netty.handler.ssl.SslHandshakeCompletionEvent done) {
        if (!done.isSuccess()) {
            closing = true; // the TLS handler closes the connection
            return;
        }
        connection.handshakeDone(TlsTermination.serverName(ctx.pipeline()),
                TlsTermination.peerCertificates(ctx.pipeline()));
        admit();
    }

    private void admit() {
        List<Policy> policies = engine.config().connectionPolicies(listener.name());
        if (policies.isEmpty()) {
            admitted();
        } else {
            admitting = true; // bytes a ProtocolSelector read already wait in the backlog until the policies answer
            admission.ask(policies, connection, ctx, new ConnectionAdmission.Verdict() {
                @Override
                public void admitted() {
                    ProxyFrontendHandler.this.admitted();
                }

                @Override
                public void refused(String reason) {
                    refuseConnection(reason);
                }
            });
        }
    }

    /** Every connection policy said yes: requests may be read (and those read during the handshake handled). */
    private void admitted() {
        admitting = false;
        if (backlog.isEmpty()) {
            out.read();
        } else {
            drainBacklog();
        }
    }

    private void refuseConnection(String reason) {
        LOG.log(System.Logger.Level.DEBUG, "connection from " + connection.clientIp() + " refused: " + reason);
        closing = true;
        out.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed();
    }

    /** The client connection, or the stream, is gone. */
    private void closed() {
        closing = true;
        if (stream == null) {
            engine.metrics().connectionClosed();
        }
        if (admission != null) {
            admission.closed(connection);
        }
        if (ex != null) {
            if (ex.flag == null && !ex.responseDone) {
                ex.flag = "DC"; // downstream connection terminated
            }
            finish(true);
        }
        releaseBacklog();
        timers.stop(this); // last: a stream's timers may serve the next stream once given back
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        received(msg);
    }

    private void received(Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (admitting) {
            backlog.add(msg); // read right after the handshake, before the policies answered
            return;
        }
        dispatch(msg);
    }

    private void dispatch(Object msg) {
        Exchange e = ex;
        if (e == null) {
            if (msg instanceof HttpRequest request) {
                onRequestHead(request);
            } else {
                ReferenceCountUtil.release(msg); // the rest of a request we already answered
            }
        } else if (e.swallowEmptyLast && msg instanceof LastHttpContent last) {
            e.swallowEmptyLast = false;
            last.release();
        } else if (!e.requestDone && msg instanceof HttpContent content) {
            onRequestContent(e, content);
        } else {
            backlog.add(msg); // the next pipelined request
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        readComplete();
    }

    private void readComplete() {
        Exchange e = ex;
        if (e == null) {
            timers.clientRead();
        } else if (e.upstream != null && !e.requestDone) {
            e.upstream.flush();
        }
        maybeReadClient();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        writabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    private void writabilityChanged() {
        Exchange e = ex;
        if (out.isWritable() && e != null && e.upstreamReadPaused && e.upstream != null) {
            e.upstreamReadPaused = false;
            e.upstream.read();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent done) {
            onHandshake(ctx, done);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(System.Logger.Level.DEBUG, "client connection error", cause);
        closing = true;
        ctx.close();
    }

    // ---- an HTTP/2 stream's events (Http2Frontend) ----------------------------------------------------

    /** The stream's first HEADERS: the exchange may start. */
    void streamOpened() {
        admitted();
    }

    /** A request head, body chunk or end the stream received. */
    void streamRead(Object msg) {
        received(msg);
    }

    /** What one frame brought has been passed on. */
    void streamReadComplete() {
        readComplete();
    }

    void streamWritabilityChanged() {
        writabilityChanged();
    }

    /** The stream closed: both sides ended it, either reset it, or the connection went. */
    void streamClosed() {
        closed();
    }

    /**
     * The stream is malformed (RFC 9113 8.1.1: DATA that disagrees with content-length; 8.3.1: a missing
     * pseudo-header) and is being reset with the codec's error code: the exchange ends with {@code DPE}.
     */
    void streamMalformed(String detail) {
        Exchange e = ex;
        if (e != null && e.flag == null) {
            e.flag = "DPE";
        } else if (e == null && !closing) {
            ExchangeLog.malformedStream(engine, connection, detail); // refused before it became a request
        }
        closing = true;
    }

    /** Reads from the client only when the bytes have somewhere to go. */
    private void maybeReadClient() {
        if (closing || admitting || !out.isActive()) {
            return;
        }
        Exchange e = ex;
        if (e == null) {
            if (backlog.isEmpty()) {
                out.read();
            }
            return;
        }
        if (e.requestDone && !e.responseDone && stream == null && e.upgrade == null && !e.head.isConnect()
                && backlog.isEmpty()) {
            // Keep the client's read interest armed while the upstream answers: dropping it here and arming it
            // again for the next request costs two epoll_ctl calls per request. Whatever this read brings (a
            // pipelined request, the client leaving) waits in the backlog or ends the exchange; one read bounds it.
            out.read();
            return;
        }
        if (e.requestDone || e.responseDone || e.upstream == null) {
            return;
        }
        if (e.pendingBody.isEmpty() && e.upstream.isActive() && e.upstream.isWritable()) {
            out.read();
        }
    }

    // ---- request head ----------------------------------------------------------------------------

    private void onRequestHead(HttpRequest request) {
        timers.requestArrived();
        Rejection rejection = RequestValidator.validate(request, listener.forwardProxy());
        if (rejection == null && stream != null && HttpMethod.CONNECT.equals(request.method())) {
            rejection = new Rejection(HttpResponseStatus.METHOD_NOT_ALLOWED, "CONNECT is not supported over HTTP/2",
                    "DPE"); // RFC 9113 8.5; tunnels are HTTP/1.1's here (docs/engine.md, "HTTP/2")
        }
        if (rejection != null) {
            reject(request, rejection);
            return;
        }
        RequestHead head;
        try {
            head = RequestHead.parse(request, connection, connection.isTls() ? "https" : "http");
        } catch (IllegalArgumentException e) {
            reject(request, Rejection.badRequest(e.getMessage()));
            return;
        }
        Exchange e = new Exchange(head, HttpUtil.isKeepAlive(request),
                request.protocolVersion().equals(HttpVersion.HTTP_1_0), HttpMethod.HEAD.equals(request.method()),
                HttpUtil.is100ContinueExpected(request));
        e.upgrade = Upgrades.requested(request);
        if (!HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0) {
            e.requestDone = true; // nothing to wait for: a local answer may keep the connection
            e.swallowEmptyLast = true;
        }
        ex = e;
        engine.metrics().requestStarted();
        ExchangeLog.started(engine, e, request);
        if (!RequestRouting.route(engine, listener, connection, this, e, request)) {
            return;
        }
        timers.exchangeStarted(e.route.requestTimeoutNanos(), e.route.idleTimeoutNanos());
        PolicyStages.run(ctx, this, e, 0);
    }

    /** Answers a request that failed validation and closes: the rest of the stream cannot be trusted. */
    private void reject(HttpRequest request, Rejection rejection) {
        closing = true;
        engine.metrics().requestStarted();
        FullHttpResponse response = LocalReplies.rejection(engine, ctx.alloc(), request, rejection);
        out.writeAndFlush(response).addListener(f -> out.close());
        ExchangeLog.rejected(engine, connection, request, response.status().code(),
                response.content().readableBytes(), rejection.flag(),
                protocol(request.protocolVersion().equals(HttpVersion.HTTP_1_0)));
    }

    // ---- actions ------------------------------------------------------------------------------------

    @Override
    public void act(Exchange e) {
        RouteAction action = e.route.action();
        if (action instanceof RouteAction.Forward) {
            UpstreamAttempts.forward(engine, ctx, connection, this, e);
        } else if (action instanceof RouteAction.Redirect redirect) {
            respondLocal(e, LocalReplies.redirect(e, redirect), null);
        } else {
            respondLocal(e, LocalReplies.direct(ctx.alloc(), e, (RouteAction.DirectResponse) action), null);
        }
    }

    /**
     * Retries the request after a failed try when {@link Retries} allows. The failed try counts for
     * outlier detection; the next goes to another endpoint when there is one, after the wait.
     *
     * @return whether a retry was scheduled (the caller answers nothing then)
     */
    @Override
    public boolean retry(Exchange e, RetryRules.Failure failure, int status, HttpResponse response) {
        long wait = Retries.start(engine, e, failure, status, response);
        if (wait < 0) {
            return false;
        }
        e.cancelTryTimer();
        detachUpstream(e);
        int failed = e.endpointIndex;
        Retries.tryFailed(engine, e, failed, failure, status);
        e.endpointIndex = -1;
        e.lastContentWritten = false;
        LOG.log(System.Logger.Level.DEBUG, "route " + e.route.name() + ": retry " + e.retries + " after " + failure
                + (status > 0 ? " " + status : ""));
        ctx.executor().schedule(() -> {
            if (ex != e || e.finished) {
                return;
            }
            int next = e.cluster.pickOther(failed);
            if (next < 0) {
                respondError(e, HttpResponseStatus.SERVICE_UNAVAILABLE, "no healthy upstream", "UH");
                return;
            }
            UpstreamAttempts.sendAttempt(engine, ctx, this, e, next);
        }, wait, TimeUnit.NANOSECONDS);
        return true;
    }

    // ---- what the stages ask of the connection (ExchangeControl) ---------------------------------------

    @Override
    public boolean runs(Exchange e) {
        return ex == e && !e.finished;
    }

    @Override
    public void forwardToTarget(Exchange e) {
        UpstreamAttempts.prepareHead(this, connection, e, 0);
        UpstreamAttempts.sendOnPooledOrNewConnection(engine, ctx, this, e); // the pool key is the resolved target
    }

    @Override
    public void sendContinue(Exchange e) {
        out.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                Unpooled.EMPTY_BUFFER));
    }

    @Override
    public void relayStarts(Exchange e) {
        timers.exchangeEnded();
        releaseBacklog(); // bytes pipelined behind the request before its answer are not HTTP
    }

    @Override
    public void waitsForConnection(Exchange e) {
        if (e.requestDone && backlog.isEmpty() && !closing) {
            out.read(); // one read notices a client that leaves while it waits (bounded: one read into the backlog)
        }
    }

    @Override
    public void connectAgain(Exchange e) {
        if (ex == e && !e.finished) {
            UpstreamAcquisition.connect(engine, ctx, this, e);
        }
    }

    @Override
    public void sendOn(Exchange e, Channel upstream) {
        if (ex == e && !e.finished) {
            attach(e, upstream, true);
        } else {
            UpstreamConnections.release(e.cluster, e.poolKey, upstream, true);
        }
    }

    @Override
    public void waitTimedOut(Exchange e) {
        if (ex == e && !e.finished) {
            UpstreamAcquisition.overloaded(engine, ctx, this, e, null, "no upstream connection freed in time");
        }
    }

    @Override
    public void attach(Exchange e, Channel upstream, boolean reused) {
        e.upstream = upstream;
        e.reusedConnection = reused;
        e.upstreamHandler = upstream.pipeline().get(UpstreamHandler.class);
        e.upstreamHandler.bind(this);
        UpstreamAttempts.sendRequest(e, upstream);
        maybeReadClient();
    }

    // ---- request body -------------------------------------------------------------------------------

    private void onRequestContent(Exchange e, HttpContent content) {
        if (content.decoderResult().isFailure()) {
            content.release();
            e.closeConnection = true;
            respondError(e, HttpResponseStatus.BAD_REQUEST, "malformed request body", "DPE");
            return;
        }
        e.lastActivityNanos = System.nanoTime();
        e.requestBodyBytes += content.content().readableBytes();
        boolean last = content instanceof LastHttpContent;
        if (last) {
            e.requestDone = true;
        }
        if (e.maxBodyBytes > 0 && e.requestBodyBytes > e.maxBodyBytes) {
            content.release();
            e.closeConnection = true;
            respondError(e, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large", "DPE");
            return;
        }
        if (e.responseDone || e.finished) {
            content.release(); // answered already; the connection closes after the response
            return;
        }
        if (e.mirrors != null) {
            e.mirrors.tee(content);
        }
        if (e.route.retries() != null) {
            e.keepForReplay(content);
        }
        if (e.upstream != null && e.pendingBody.isEmpty()) {
            UpstreamAttempts.write(e, content);
            if (last) {
                e.upstream.flush();
            }
        } else {
            e.pendingBody.add(content);
        }
    }

    // ---- upstream events ----------------------------------------------------------------------------

    @Override
    public void onUpstreamMessage(Object msg) {
        Exchange e = ex;
        if (e == null || e.finished || e.responseDone) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (e.switching) {
            if (msg instanceof ByteBuf early) {
                e.earlyTunnelBytes.add(early); // sent right after the 101; relayed once the tunnel is up
            } else {
                ReferenceCountUtil.release(msg); // the decoder's empty end of the 101
            }
            return;
        }
        e.lastActivityNanos = System.nanoTime();
        if (msg instanceof HttpResponse response) {
            onResponseHead(e, response);
            return;
        }
        HttpContent content = (HttpContent) msg;
        if (content.decoderResult().isFailure()) {
            content.release();
            UpstreamAttempts.failed(engine, ctx, this, e, "upstream sent a malformed response", "UPE", false);
            return;
        }
        if (!e.responseStarted) {
            content.release(); // the end of an interim (1xx) response
            return;
        }
        e.bytesSent += content.content().readableBytes();
        if (content instanceof LastHttpContent) {
            e.responseDone = true;
            if (!e.requestDone) {
                e.upstreamReusable = false; // answered before the body ended: framing is unknown
                e.closeConnection = true;
            }
            releaseUpstream(e);
            boolean close = e.closeConnection || !e.clientKeepAlive;
            out.writeAndFlush(content).addListener((ChannelFutureListener) f -> finish(close || !f.isSuccess()));
        } else {
            out.write(content);
        }
    }

    private void onResponseHead(Exchange e, HttpResponse response) {
        if (response.decoderResult().isFailure()) {
            ReferenceCountUtil.release(response);
            UpstreamAttempts.failed(engine, ctx, this, e, "upstream sent a malformed response", "UPE", false);
            return;
        }
        int code = response.status().code();
        if (code == 101) {
            if (e.upgrade != null && Upgrades.accepted(response, e.upgrade)) {
                timers.requestTimeoutOff(); // a WebSocket lives as long as it is used
                Tunnels.switchProtocols(ctx, this, e, response);
                return;
            }
            ReferenceCountUtil.release(response);
            UpstreamAttempts.failed(engine, ctx, this, e, "upstream switched protocols without being asked", "UPE",
                    false);
            return;
        }
        if (code < 200) {
            ReferenceCountUtil.release(response); // interim: the client's 100-continue was answered by us
            return;
        }
        if (e.route.retries() != null && retry(e, RetryRules.Failure.STATUS, code, response)) {
            ReferenceCountUtil.release(response); // its body goes with the closed connection
            return;
        }
        e.cancelTryTimer();
        e.status = code;
        e.responseStarted = true;
        ResponseHeads.fromUpstream(engine, e, response, closing);
        out.write(response);
    }

    @Override
    public void onUpstreamReadComplete() {
        out.flush();
        Exchange e = ex;
        if (e == null || e.responseDone || e.upstream == null) {
            return;
        }
        if (out.isWritable()) {
            e.upstream.read();
        } else {
            e.upstreamReadPaused = true;
        }
    }

    @Override
    public void onUpstreamWritable() {
        Exchange e = ex;
        if (e != null && e.upstream != null) {
            e.upstream.flush();
        }
        maybeReadClient();
    }

    @Override
    public void onUpstreamClosed() {
        Exchange e = ex;
        if (e == null || e.finished || e.responseDone) {
            return;
        }
        e.upstream = null; // closed: never pooled
        UpstreamAttempts.failed(engine, ctx, this, e, "upstream closed the connection", "UC", false);
    }

    @Override
    public void onUpstreamError(Throwable cause) {
        Exchange e = ex;
        if (e == null || e.finished || e.responseDone) {
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "upstream error", cause);
        if (e.upstream != null) {
            e.upstreamHandler.unbind();
            e.upstream.close();
            e.upstream = null;
        }
        if (cause instanceof RefusedStreamException) {
            UpstreamAttempts.failed(engine, ctx, this, e, cause.getMessage(), "UC", true);
        } else {
            UpstreamAttempts.failed(engine, ctx, this, e, "upstream connection failed", "UC", false);
        }
    }

    // ---- responses and completion ----------------------------------------------------------------

    /** An error the gateway answers itself; mid-response it can only cut the connection. */
    @Override
    public void respondError(Exchange e, HttpResponseStatus status, String detail, String flag) {
        if (e.responseStarted) {
            abort(e, flag);
            return;
        }
        respondLocal(e, Responses.error(ctx.alloc(), status, detail), flag);
    }

    @Override
    public void respondLocal(Exchange e, FullHttpResponse local, String flag) {
        FullHttpResponse response = GrpcLocalReplies.adapt(e.head.request(), local, flag);
        e.status = response.status().code();
        e.flag = flag;
        e.responseStarted = true;
        e.responseDone = true;
        e.upstreamReusable = false;
        detachUpstream(e);
        if (!e.requestDone) {
            e.closeConnection = true; // the unread body would be taken for the next request
        }
        e.bytesSent = response.content().readableBytes();
        ResponseHeads.stampServer(engine, response.headers());
        ResponseHeads.setConnection(engine, e, response.headers(), closing);
        boolean close = e.closeConnection || !e.clientKeepAlive;
        out.writeAndFlush(response).addListener((ChannelFutureListener) f -> finish(close || !f.isSuccess()));
    }

    @Override
    public void abort(Exchange e, String flag) {
        e.flag = flag;
        e.upstreamReusable = false;
        closing = true;
        out.close();
        finish(true);
    }

    @Override
    public void timedOut(Exchange e, String flag, String detail) {
        if (ex != e || e.finished) {
            return;
        }
        e.upstreamReusable = false;
        detachUpstream(e);
        LOG.log(System.Logger.Level.WARNING, "route " + e.route.name() + ", upstream " + e.upstreamAddress()
                + ": " + detail);
        respondError(e, HttpResponseStatus.GATEWAY_TIMEOUT, detail, flag);
    }

    /** Gives the upstream connection back to the pool when it can serve another request, else closes it. */
    private void releaseUpstream(Exchange e) {
        if (e.connectionWaiter != null) {
            e.connectionWaiter.stop();
        }
        Channel upstream = e.upstream;
        if (upstream == null) {
            return;
        }
        e.upstream = null;
        e.upstreamHandler.unbind();
        UpstreamConnections.release(e.cluster, e.poolKey, upstream,
                e.upstreamReusable && e.responseDone && e.requestDone);
    }

    @Override
    public void detachUpstream(Exchange e) {
        e.upstreamReusable = false;
        releaseUpstream(e);
    }

    @Override
    public void finish(boolean close) {
        Exchange e = ex;
        if (e == null || e.finished) {
            return;
        }
        e.finished = true;
        ex = null;
        e.cancelTryTimer();
        timers.exchangeEnded();
        e.releasePendingBody();
        if (!e.responseDone) {
            e.upstreamReusable = false;
        }
        releaseUpstream(e);
        if (e.mirrors != null) {
            e.mirrors.mainEnded();
        }
        ExchangeLog.ended(engine, e, connection, protocol(e.clientHttp10));
        if (stream != null || close || closing || !out.isActive()) {
            // An HTTP/2 stream is one exchange: closing it ends the stream (RST_STREAM if the client is still
            // sending a body the gateway did not read; nothing if both sides ended).
            closing = true;
            releaseBacklog();
            out.close();
            return;
        }
        timers.awaitingRequest();
        drainBacklog();
    }

    private String protocol(boolean http10) {
        return ExchangeLog.protocol(stream != null, http10);
    }

    private void drainBacklog() {
        Object msg;
        while ((msg = backlog.poll()) != null) {
            Exchange before = ex;
            if (before != null && before.requestDone) {
                backlog.addFirst(msg); // the next request waits for this one's response
                return;
            }
            dispatch(msg);
        }
        maybeReadClient();
    }

    private void releaseBacklog() {
        Object msg;
        while ((msg = backlog.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
