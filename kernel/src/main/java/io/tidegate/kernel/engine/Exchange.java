package io.tidegate.kernel.engine;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import io.tidegate.kernel.runtime.ClusterRuntime;
import io.tidegate.kernel.runtime.CompiledRoute;
import io.tidegate.spi.model.HeaderEdits;
import java.util.ArrayDeque;

/**
 * The state of one request/response exchange on a client connection. Touched only by that
 * connection's event loop.
 */
final class Exchange {

    final RequestHead head;
    final long startNanos = System.nanoTime();
    final long startMillis = System.currentTimeMillis();
    final boolean clientKeepAlive;
    final boolean clientHttp10;
    final boolean headRequest;
    final boolean expectContinue;

    CompiledRoute route;
    ClusterRuntime cluster;
    int endpointIndex = -1;
    int destination = -1;
    PoolKey poolKey;
    /** When the current try was sent upstream (for the upstream-time header). */
    long attemptStartNanos;
    /** A session-affinity {@code Set-Cookie} value for the response, or null. */
    String affinityCookie;
    /** The allowed {@code Origin} of a CORS request, answered with {@code Access-Control-Allow-*}; or null. */
    String corsOrigin;
    Channel upstream;
    UpstreamHandler upstreamHandler;
    /** Holds a place of the cluster's {@code maxRequests} breaker (given back when the exchange ends). */
    boolean breakerRequest;
    /** Set while the exchange waits for an upstream connection (the cluster's {@code maxConnections}). */
    ConnectionWaiter connectionWaiter;
    /** The shadow copies of this request; null: none. */
    Mirrors mirrors;
    boolean reusedConnection;
    boolean retried;

    /** The route policies that allowed this exchange, told when it ends. */
    final PolicyCompletions policyCompletions = new PolicyCompletions();
    /** Edits policies asked for. */
    HeaderEdits policyRequestEdits = HeaderEdits.NONE;
    HeaderEdits policyResponseEdits = HeaderEdits.NONE;

    /** Retries started (the keep-alive race retry not counted), and whether one holds a budget place. */
    int retries;
    boolean retryInFlight;
    /** The request body kept for a retry while it fits {@link #RETRY_BUFFER_LIMIT}; retained duplicates. */
    static final int RETRY_BUFFER_LIMIT = 64 * 1024;
    final ArrayDeque<HttpContent> replay = new ArrayDeque<>(2);
    long replayBytes;
    boolean replayable = true;
    ScheduledFuture<?> tryTimer;

    /** The upgrade asked for and carried ({@code websocket}), or null. */
    String upgrade;
    /** Between the upstream's 101 and the tunnel: bytes the upstream sent right after it. */
    boolean switching;
    final ArrayDeque<io.netty.buffer.ByteBuf> earlyTunnelBytes = new ArrayDeque<>(1);

    /** Body chunks received before the upstream was ready; retained, released on failure. */
    final ArrayDeque<HttpContent> pendingBody = new ArrayDeque<>(2);
    boolean requestDone;
    /** A bodyless request is complete at its head; the decoder's empty end marker that follows is dropped. */
    boolean swallowEmptyLast;
    /** Whether a LastHttpContent went to the current upstream (a retry must send one again). */
    boolean lastContentWritten;
    /** Close the client connection after this exchange (unread body, HTTP/1.0 framing, errors). */
    boolean closeConnection;
    long requestBodyBytes;
    long maxBodyBytes;

    boolean responseStarted;
    boolean responseDone;
    boolean upstreamReusable;
    boolean upstreamReadPaused;
    boolean downstreamReadWanted;
    int status;
    long bytesSent;
    String flag;
    /** Why, for the access log: a policy denial's reason. */
    String reason;

    /** The gateway's server span ({@link ExchangeTracing}); null when tracing is off. */
    io.tidegate.kernel.tracing.SpanContext trace;
    /** Request headers the envoy access log format shows, as received; null unless that format is on. */
    String userAgent;
    String forwardedFor;
    /** Milliseconds from sending the (last) try upstream to its response head; -1: no upstream response. */
    long upstreamServiceMillis = -1;

    long lastActivityNanos = startNanos;
    boolean finished;

    Exchange(RequestHead head, boolean clientKeepAlive, boolean clientHttp10, boolean headRequest,
             boolean expectContinue) {
        this.head = head;
        this.clientKeepAlive = clientKeepAlive;
        this.clientHttp10 = clientHttp10;
        this.headRequest = headRequest;
        this.expectContinue = expectContinue;
    }

    String clusterName() {
        return cluster == null ? null : cluster.name();
    }

    String upstreamAddress() {
        return poolKey == null ? null : poolKey.endpoint().toString();
    }

    void releasePendingBody() {
        releasePendingBodyOnly();
        releaseReplay();
        io.netty.buffer.ByteBuf early;
        while ((early = earlyTunnelBytes.poll()) != null) {
            early.release();
        }
    }

    void releasePendingBodyOnly() {
        HttpContent c;
        while ((c = pendingBody.poll()) != null) {
            c.release();
        }
    }

    /** Keeps a duplicate of a body chunk for a retry, or gives up replaying once the body is too large. */
    void keepForReplay(HttpContent content) {
        if (!replayable) {
            return;
        }
        replayBytes += content.content().readableBytes();
        if (replayBytes > RETRY_BUFFER_LIMIT) {
            replayable = false; // too large to buffer: this request is not retried
            releaseReplay();
            return;
        }
        replay.add(content.retainedDuplicate());
    }

    void releaseReplay() {
        HttpContent c;
        while ((c = replay.poll()) != null) {
            c.release();
        }
    }

    void cancelTryTimer() {
        if (tryTimer != null) {
            tryTimer.cancel(false);
            tryTimer = null;
        }
    }

}
