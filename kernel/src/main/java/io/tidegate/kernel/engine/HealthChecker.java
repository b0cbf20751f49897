package io.tidegate.kernel.engine;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.tidegate.kernel.runtime.ClusterRuntime;
import io.tidegate.kernel.tls.UpstreamTlsContext;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.HealthCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Active health checks of one cluster: every endpoint is checked on an event loop of its own, every
 * {@code interval}, by a TCP connect or an HTTP {@code GET} on a fresh connection
 * ({@code Connection: close}, so a check never borrows or poisons a pooled connection; an HTTP/2 cluster's
 * {@code GET} is a stream of the loop's pooled connection instead). A check
 * that does not finish within {@code timeout} fails. Results go to the cluster, which moves the
 * endpoint out of or back into its selection by the thresholds.
 */
final class HealthChecker {

    private static final System.Logger LOG = System.getLogger(HealthChecker.class.getName());

    private final ClusterRuntime cluster;
    private final HealthCheck check;
    private final UpstreamConnector connector;
    private final EventLoopGroup loops;
    private final EngineMetrics metrics;
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();
    private volatile boolean stopped;

    HealthChecker(ClusterRuntime cluster, UpstreamConnector connector, EventLoopGroup loops, EngineMetrics metrics) {
        this.cluster = cluster;
        this.check = cluster.healthCheck();
        this.connector = connector;
        this.loops = loops;
        this.metrics = metrics;
    }

    void start() {
        long interval = check.interval().toNanos();
        for (int i = 0; i < cluster.endpointCount(); i++) {
            EventLoop loop = loops.next();
            int index = i;
            // Spread the first checks over one interval so a large cluster is not probed in one burst.
            long first = ThreadLocalRandom.current().nextLong(Math.max(1, interval / 10));
            synchronized (timers) {
                timers.add(loop.schedule(() -> run(loop, index), first, TimeUnit.NANOSECONDS));
            }
        }
    }

    void stop() {
        stopped = true;
        synchronized (timers) {
            timers.forEach(t -> t.cancel(false));
            timers.clear();
        }
    }

    private void run(EventLoop loop, int index) {
        if (stopped) {
            return;
        }
        Endpoint endpoint = cluster.endpoint(index);
        Probe probe = new Probe(loop, index);
        if (check.kind() == HealthCheck.Kind.HTTP && UpstreamChannels.isHttp2(cluster)) {
            runOnStream(loop, endpoint, probe);
            return;
        }
        Bootstrap b = connector.bootstrap(loop)
                .option(ChannelOption.AUTO_READ, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, check.timeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        UpstreamTlsContext tls = cluster.tls();
                        if (tls != null && check.kind() == HealthCheck.Kind.HTTP) {
                            // An HTTPS cluster is checked over TLS, verified as its requests are.
                            ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(), endpoint.address().host(),
                                    endpoint.address().port(), check.timeout().toMillis()));
                        }
                        if (check.kind() == HealthCheck.Kind.HTTP) {
                            ch.pipeline().addLast(new HttpClientCodec(), probe);
                        }
                    }
                });
        ChannelFuture connect = b.connect(endpoint.address().host(), endpoint.address().port());
        probe.timeout = loop.schedule(() -> probe.done(false, connect.channel()), check.timeout().toNanos(),
                TimeUnit.NANOSECONDS);
        connect.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                probe.done(false, null);
            } else if (check.kind() == HealthCheck.Kind.TCP) {
                probe.done(true, f.channel());
            } else {
                f.channel().writeAndFlush(checkRequest(true)).addListener((ChannelFutureListener) w -> {
                    if (!w.isSuccess()) {
                        probe.done(false, w.channel());
                    }
                });
            }
        });
    }

    /**
     * An HTTP/2 cluster's check is a stream of this loop's pooled connection to the endpoint, as its requests
     * are (an h2c-only server such as a gRPC one would not answer HTTP/1.1); a stream cannot poison the
     * connection for the requests sharing it.
     */
    private void runOnStream(EventLoop loop, Endpoint endpoint, Probe probe) {
        probe.timeout = loop.schedule(() -> probe.done(false, probe.stream), check.timeout().toNanos(),
                TimeUnit.NANOSECONDS);
        openProbeStream(loop, new PoolKey(cluster.name(), endpoint.address(), cluster.tls()), probe, true);
    }

    private void openProbeStream(EventLoop loop, PoolKey key, Probe probe, boolean first) {
        io.netty.util.concurrent.Future<Channel> opened = Http2UpstreamPool.current().openProbeStream(loop, key,
                cluster, connector, metrics);
        opened.addListener((io.netty.util.concurrent.Future<Channel> f) -> {
            if (!f.isSuccess()) {
                if (first && f.cause() instanceof Http2UpstreamPool.NoConnectionPlace && !probe.reported) {
                    // Its connection took fewer streams than were promised, at maxConnections: once more, on a
                    // connection of its own if need be.
                    openProbeStream(loop, key, probe, false);
                    return;
                }
                probe.done(false, null);
                return;
            }
            Channel stream = f.getNow();
            if (probe.reported) {
                stream.close(); // timed out while the connection was being made
                return;
            }
            probe.stream = stream; // a timeout from here closes it
            stream.pipeline().replace(UpstreamHandler.class, "probe", probe);
            stream.config().setAutoRead(true);
            stream.writeAndFlush(checkRequest(false)).addListener((ChannelFutureListener) w -> {
                if (!w.isSuccess()) {
                    probe.done(false, w.channel());
                }
            });
        });
    }

    private DefaultFullHttpRequest checkRequest(boolean close) {
        String host = check.host() != null ? check.host() : cluster.name();
        DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                check.path() == null || check.path().isEmpty() ? "/" : check.path(), Unpooled.EMPTY_BUFFER);
        request.headers().set(HttpHeaderNames.HOST, host).set(HttpHeaderNames.USER_AGENT, "tidegate-health-check");
        if (close) {
            request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return request;
    }

    private boolean healthy(int status) {
        return check.expectedStatuses().isEmpty() ? status >= 200 && status < 400
                : check.expectedStatuses().contains(status);
    }

    /** One check of one endpoint: reads the response status, reports once, schedules the next. */
    private final class Probe extends ChannelInboundHandlerAdapter {
        private final EventLoop loop;
        private final int index;
        private ScheduledFuture<?> timeout;
        /** The HTTP/2 stream the check went out on, once open. */
        private Channel stream;
        private boolean reported;

        Probe(EventLoop loop, int index) {
            this.loop = loop;
            this.index = index;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpResponse response) {
                    done(healthy(response.status().code()), ctx.channel());
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done(false, null); // closed before a status line: a failure (no-op after a report)
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done(false, ctx.channel());
        }

        void done(boolean ok, Channel channel) {
            if (reported) {
                return;
            }
            reported = true;
            if (timeout != null) {
                timeout.cancel(false);
            }
            if (channel != null) {
                channel.close();
            }
            if (stopped) {
                return;
            }
            boolean changed = cluster.reportHealthCheck(index, ok);
            metrics.healthChecked(cluster.name(), ok, changed);
            if (changed) {
                LOG.log(System.Logger.Level.WARNING, "health check: " + cluster.endpoint(index).address()
                        + " of cluster " + cluster.name() + " is now " + (ok ? "healthy" : "unhealthy"));
            }
            synchronized (timers) {
                if (!stopped) {
                    timers.removeIf(ScheduledFuture::isDone);
                    timers.add(loop.schedule(() -> run(loop, index), check.interval().toNanos(), TimeUnit.NANOSECONDS));
                }
            }
        }
    }
}
