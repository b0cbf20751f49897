package io.tidegate.kernel.engine;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslHandler;
import io.tidegate.kernel.tls.UpstreamTlsContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.resolver.AddressResolverGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.tidegate.kernel.config.ResolverSettings;
import io.tidegate.kernel.dns.DnsResolvers;
import io.tidegate.kernel.runtime.ClusterRuntime;
import java.net.InetSocketAddress;

/**
 * Opens upstream connections on the caller's event loop. Names resolve through Netty's asynchronous
 * DNS resolver (hosts file first), never with a blocking lookup on the loop: every new connection to a
 * hostname endpoint asks the resolver's cache, so a changed record is followed once its TTL (capped by
 * {@code engine.resolver.maxTtl}) expires.
 */
final class UpstreamConnector implements AutoCloseable {

    private static final int MAX_RESPONSE_LINE = 8 * 1024;
    private static final int MAX_RESPONSE_HEADERS = 64 * 1024;
    private static final int MAX_CHUNK = 64 * 1024;

    private final Bootstrap template;
    private final AddressResolverGroup<InetSocketAddress> resolver;
    private final EngineMetrics metrics;
    private final UpstreamGauges gauges;

    UpstreamConnector(Transport transport, EventLoopGroup group) {
        this(transport, group, null);
    }

    UpstreamConnector(Transport transport, EventLoopGroup group, EngineMetrics metrics) {
        this(transport, group, metrics, null);
    }

    UpstreamConnector(Transport transport, EventLoopGroup group, EngineMetrics metrics, UpstreamGauges gauges) {
        this(transport, group, metrics, gauges, ResolverSettings.SYSTEM);
    }

    /**
     * @param gauges counts open connections by cluster; null: not counted
     * @param dns the resolver settings ({@code engine.resolver}): every connect resolves through their cache
     */
    UpstreamConnector(Transport transport, EventLoopGroup group, EngineMetrics metrics, UpstreamGauges gauges,
                      ResolverSettings dns) {
        this.metrics = metrics;
        this.gauges = gauges;
        Class<? extends DatagramChannel> udp = transport.isEpoll() ? EpollDatagramChannel.class
                : NioDatagramChannel.class;
        Class<? extends SocketChannel> tcp = transport.isEpoll() ? EpollSocketChannel.class : NioSocketChannel.class;
        this.resolver = new DnsResolvers(dns, udp, tcp).addressResolverGroup();
        this.template = new Bootstrap()
                .group(group)
                .channel(transport.clientChannel())
                .resolver(resolver)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true);
    }

    /**
     * Starts connecting to the endpoint for {@code key} on {@code loop}. For a TLS cluster the future
     * completes when the handshake is done (within the cluster's connect timeout), so a connection handed
     * out is always ready for a request.
     */
    ChannelFuture connect(EventLoop loop, PoolKey key, ClusterRuntime cluster) {
        long idleNanos = cluster.idleTimeoutNanos();
        UpstreamTlsContext tls = cluster.tls();
        Bootstrap b = template.clone(loop)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, cluster.connectTimeoutMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(), key.endpoint().host(),
                                    key.endpoint().port(), cluster.connectTimeoutMillis()));
                        }
                        HttpDecoderConfig decoder = new HttpDecoderConfig()
                                .setMaxInitialLineLength(MAX_RESPONSE_LINE)
                                .setMaxHeaderSize(MAX_RESPONSE_HEADERS)
                                .setMaxChunkSize(MAX_CHUNK)
                                .setValidateHeaders(true);
                        ch.pipeline().addLast("codec", new HttpClientCodec(decoder, false, false));
                        ch.pipeline().addLast("upstream", new UpstreamHandler(key, idleNanos));
                    }
                });
        ChannelFuture connected = b.connect(key.endpoint().host(), key.endpoint().port());
        if (gauges != null) {
            gauges.track(connected, key.cluster());
        }
        return tls == null ? connected : afterHandshake(connected, cluster.name());
    }

    private ChannelFuture afterHandshake(ChannelFuture connected, String cluster) {
        ChannelPromise ready = connected.channel().newPromise();
        connected.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                ready.setFailure(f.cause());
                return;
            }
            SslHandler ssl = f.channel().pipeline().get(SslHandler.class);
            ssl.handshakeFuture().addListener(h -> {
                if (metrics != null) {
                    metrics.upstreamTlsHandshake(cluster, h.isSuccess());
                }
                if (h.isSuccess()) {
                    ready.setSuccess();
                } else {
                    f.channel().close();
                    ready.setFailure(h.cause());
                }
            });
            f.channel().read(); // AUTO_READ is off: read the server's handshake messages
        });
        return ready;
    }

    /** A bootstrap on {@code loop} with the shared resolver and socket options, for other jobs (health checks). */
    Bootstrap bootstrap(EventLoop loop) {
        return template.clone(loop);
    }

    /** The engine's asynchronous resolver (one per event loop), shared with the forward proxy. */
    AddressResolverGroup<InetSocketAddress> resolver() {
        return resolver;
    }

    @Override
    public void close() {
        resolver.close();
    }
}
