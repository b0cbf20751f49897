package io.tidegate.kernel.admin;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tidegate.kernel.metrics.MetricsRegistry;
import io.tidegate.kernel.reconcile.Reconciler;
import io.tidegate.kernel.reconcile.SourceStatus;
import io.tidegate.spi.model.SocketAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * The admin API: {@code /ready}, {@code /live}, {@code /metrics}, {@code /config}, {@code /sources}.
 * On its own single thread, so a scrape never competes with traffic on the event loops; bound to
 * loopback unless the operator says otherwise.
 */
public final class AdminServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(AdminServer.class.getName());

    private final SocketAddress address;
    private final Reconciler reconciler;
    private final MetricsRegistry metrics;
    private final List<String> listeners;
    private final BooleanSupplier draining;
    private EventLoopGroup group;
    private Channel channel;

    public AdminServer(SocketAddress address, Reconciler reconciler, MetricsRegistry metrics, List<String> listeners,
                       BooleanSupplier draining) {
        this.address = requireNonNull(address, "address");
        this.reconciler = requireNonNull(reconciler, "reconciler");
        this.metrics = requireNonNull(metrics, "metrics");
        this.listeners = List.copyOf(listeners);
        this.draining = requireNonNull(draining, "draining");
    }

    public void start() throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("tidegate-admin", true),
                NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192), new Handler());
                    }
                });
        try {
            channel = b.bind(new InetSocketAddress(address.host(), address.port())).sync().channel();
        } catch (Exception e) {
            close();
            throw new IllegalStateException("admin.address: cannot bind " + address + ": " + e.getMessage(), e);
        }
        LOG.log(System.Logger.Level.INFO, "admin API on " + channel.localAddress());
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String path = request.uri();
            int q = path.indexOf('?');
            if (q >= 0) {
                path = path.substring(0, q);
            }
            FullHttpResponse response;
            if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
                response = text(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET\n", "text/plain");
                response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            } else {
                response = switch (path) {
                    case "/live" -> text(ctx, HttpResponseStatus.OK, "live\n", "text/plain");
                    case "/ready" -> ready(ctx);
                    case "/metrics" -> text(ctx, HttpResponseStatus.OK, metrics.scrape(),
                            "text/plain; version=0.0.4; charset=utf-8");
                    case "/config" -> text(ctx, HttpResponseStatus.OK,
                            Json.render(ConfigDescriber.describe(reconciler.current(), listeners)), "application/json");
                    case "/sources" -> text(ctx, HttpResponseStatus.OK,
                            Json.render(ConfigDescriber.sources(reconciler.sources())), "application/json");
                    default -> text(ctx, HttpResponseStatus.NOT_FOUND,
                            "not found; try /ready /live /metrics /config /sources\n", "text/plain");
                };
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            if (!keepAlive) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            var future = ctx.writeAndFlush(response);
            if (!keepAlive) {
                future.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private FullHttpResponse ready(ChannelHandlerContext ctx) {
            if (draining.getAsBoolean()) {
                return text(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "draining\n", "text/plain");
            }
            if (reconciler.ready()) {
                return text(ctx, HttpResponseStatus.OK, "ready\n", "text/plain");
            }
            String waiting = reconciler.sources().stream().filter(s -> s.version() == 0).map(SourceStatus::name)
                    .collect(Collectors.joining(", "));
            return text(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready; waiting for sources: " + waiting + "\n",
                    "text/plain");
        }

        private FullHttpResponse text(ChannelHandlerContext ctx, HttpResponseStatus status, String body, String type) {
            ByteBuf content = ctx.alloc().buffer(body.length());
            content.writeCharSequence(body, StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, type)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
            return response;
        }
    }
}
