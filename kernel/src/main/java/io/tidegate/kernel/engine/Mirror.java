package io.tidegate.kernel.engine;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.tidegate.kernel.runtime.CircuitBreaker;
import io.tidegate.kernel.runtime.ClusterRuntime;
import io.tidegate.spi.model.Endpoint;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One shadow copy of a request, sent fire-and-forget to a mirror cluster (Envoy's
 * {@code request_mirror_policies}). It lives on the client connection's event loop, beside the main
 * exchange, and never slows, fails or alters it: the body is teed as it streams, and when the shadow
 * connection cannot keep up (not writable, or more than {@link #MAX_BUFFERED} bytes waiting for the
 * connection to open) the copy is abandoned instead of buffering or pausing the client. The shadow's
 * response is read and dropped; the shadow cluster's balancer, connect timeout, TLS and limits apply;
 * a copy is never retried. It ends within the route's request timeout (or the cluster's idle timeout
 * when the route has none).
 */
final class Mirror implements UpstreamListener {

    /** A copy's bound when neither the route nor the shadow cluster gives one. */
    private static final long DEFAULT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** Body bytes a copy may hold while its connection opens. */
    static final int MAX_BUFFERED = 64 * 1024;

    private static final System.Logger LOG = System.getLogger(Mirror.class.getName());

    private final EngineContext engine;
    private final ClusterRuntime cluster;
    private final EventLoop loop;
    private HttpRequest head;
    private final ArrayDeque<HttpContent> buffered = new ArrayDeque<>(2);
    private long bufferedBytes;
    private PoolKey key;
    private int endpoint = -1;
    private boolean requestHeld;
    private Channel channel;
    private UpstreamHandler handler;
    /** The whole request body arrived (and went, or goes, upstream). */
    private boolean requestDone;
    private int status;
    private boolean keepAlive;
    private ScheduledFuture<?> timer;
    private boolean ended;
    private final ChannelFutureListener writeFailure = f -> {
        if (!f.isSuccess()) {
            end("failed", true);
        }
    };

    private Mirror(EngineContext engine, ClusterRuntime cluster, EventLoop loop, HttpRequest head) {
        this.engine = engine;
        this.cluster = cluster;
        this.loop = loop;
        this.head = head;
    }

    /**
     * Starts a copy: picks an endpoint, takes a pooled connection or opens one. Returns null when the
     * copy ended already (no healthy endpoint, the shadow cluster's limits reached).
     */
    static Mirror start(EngineContext engine, EventLoop loop, ClusterRuntime cluster, RequestHead main,
                        HttpRequest shadowHead, long timeoutNanos) {
        Mirror m = new Mirror(engine, cluster, loop, shadowHead);
        long bound = timeoutNanos > 0 ? timeoutNanos : cluster.idleTimeoutNanos();
        m.begin(main, bound > 0 ? bound : DEFAULT_TIMEOUT_NANOS); // a copy is always bounded, never at once
        return m.ended ? null : m;
    }

    private void begin(RequestHead main, long timeoutNanos) {
        CircuitBreaker breaker = cluster.breaker();
        if (breaker != null) {
            if (!breaker.tryStartRequest()) {
                engine.metrics().overflow(cluster.name(), "maxRequests");
                end("abandoned", false);
                return;
            }
            requestHeld = true;
        }
        int index = cluster.pick(main);
        if (index < 0) {
            end("failed", false);
            return;
        }
        endpoint = index;
        cluster.onRequestStart(index);
        Endpoint target = cluster.endpoint(index);
        key = new PoolKey(cluster.name(), target.address(), cluster.tls());
        timer = loop.schedule(() -> end("failed", true), timeoutNanos, TimeUnit.NANOSECONDS);
        Channel pooled = UpstreamChannels.isHttp2(cluster) ? null : UpstreamPool.current().poll(key);
        if (pooled != null) {
            attach(pooled);
            return;
        }
        // HTTP/1.1 connection or HTTP/2 stream by the shadow cluster's protocol, under its limits.
        io.netty.util.concurrent.Future<Channel> connecting = UpstreamChannels.open(engine, loop, key, cluster);
        if (connecting == null) {
            engine.metrics().overflow(cluster.name(), "maxConnections");
            end("abandoned", false); // a copy never waits for a connection
            return;
        }
        connecting.addListener((io.netty.util.concurrent.Future<Channel> f) -> {
            if (ended) {
                if (f.isSuccess()) {
                    f.getNow().close();
                }
                return;
            }
            if (!f.isSuccess()) {
                LOG.log(System.Logger.Level.DEBUG, "mirror to cluster " + cluster.name() + ": connect failed: "
                        + f.cause());
                end("failed", true);
                return;
            }
            attach(f.getNow());
        });
    }

    private void attach(Channel upstream) {
        channel = upstream;
        handler = upstream.pipeline().get(UpstreamHandler.class);
        handler.bind(this);
        upstream.write(head).addListener(writeFailure);
        head = null;
        HttpContent c;
        while ((c = buffered.poll()) != null) {
            upstream.write(c).addListener(writeFailure);
        }
        bufferedBytes = 0;
        upstream.flush();
        upstream.read();
    }

    /** The next body chunk of the main request; the copy owns {@code content} (a retained duplicate). */
    void onBody(HttpContent content) {
        if (ended) {
            content.release();
            return;
        }
        if (content instanceof LastHttpContent) {
            requestDone = true;
        }
        if (channel == null) {
            bufferedBytes += content.content().readableBytes();
            if (bufferedBytes > MAX_BUFFERED) {
                content.release();
                end("abandoned", false); // the shadow is slow to open: the main request must not wait for it
                return;
            }
            buffered.add(content);
            return;
        }
        if (!channel.isWritable()) {
            content.release();
            end("abandoned", false); // the shadow reads slower than the client sends: never pace the client by it
            return;
        }
        channel.writeAndFlush(content).addListener(writeFailure);
    }

    /** The main exchange ended; a copy whose body can no longer complete is abandoned. */
    void mainEnded() {
        if (!ended && !requestDone) {
            end("abandoned", false);
        }
    }

    // ---- the shadow's response: read and dropped ------------------------------------------------------

    @Override
    public void onUpstreamMessage(Object msg) {
        try {
            if (ended) {
                return;
            }
            if (msg instanceof HttpResponse response) {
                if (response.decoderResult().isFailure()) {
                    end("failed", true);
                    return;
                }
                if (response.status().code() >= 200) {
                    status = response.status().code();
                    keepAlive = HttpUtil.isKeepAlive(response);
                }
            }
            if (msg instanceof HttpContent content && content.decoderResult().isFailure()) {
                end("failed", true);
                return;
            }
            if (msg instanceof LastHttpContent && status > 0) {
                end("mirrored", false);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void onUpstreamReadComplete() {
        if (!ended && channel != null) {
            channel.read();
        }
    }

    @Override
    public void onUpstreamWritable() {
        // Nothing waits for it: a copy that could not write was abandoned.
    }

    @Override
    public void onUpstreamClosed() {
        channel = null; // closed: nothing to give back
        end("failed", true);
    }

    @Override
    public void onUpstreamError(Throwable cause) {
        LOG.log(System.Logger.Level.DEBUG, "mirror to cluster " + cluster.name() + " failed", cause);
        end("failed", true);
    }

    /**
     * Ends the copy once: the connection goes back to the pool when the exchange ended cleanly, else
     * closes; the balancer and outlier detection hear how the endpoint did.
     *
     * @param gatewayError the endpoint failed (connect failure, reset, timeout, bad framing)
     */
    private void end(String result, boolean gatewayError) {
        if (ended) {
            return;
        }
        ended = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        ReferenceCountUtil.release(head);
        head = null;
        HttpContent c;
        while ((c = buffered.poll()) != null) {
            c.release();
        }
        if (channel != null) {
            handler.unbind();
            boolean clean = "mirrored".equals(result) && requestDone && keepAlive;
            UpstreamConnections.release(cluster, key, channel, clean);
            channel = null;
        }
        if (endpoint >= 0 && cluster.onRequestEnd(endpoint, gatewayError ? 0 : status, gatewayError)) {
            engine.metrics().outlierEjected(cluster.name());
        }
        if (requestHeld) {
            cluster.breaker().requestEnded();
        }
        engine.metrics().mirror(cluster.name(), result);
    }
}
