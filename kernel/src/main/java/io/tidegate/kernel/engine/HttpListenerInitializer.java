package io.tidegate.kernel.engine;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.tidegate.kernel.config.GatewayConfig;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline of an {@code http} or {@code https} listener's connection: TLS termination (https only),
 * then HTTP/1.1 (strict codec, proxy) or, when the listener has HTTP/2 enabled, a keep-alive idle handler
 * and a {@link ProtocolSelector} that installs HTTP/1.1 or {@link Http2Connection} once ALPN or the first
 * bytes said which. On HTTP/1.1 the proxy handler keeps the keep-alive timeout itself.
 */
final class HttpListenerInitializer extends ChannelInitializer<SocketChannel> {

    private final EngineContext engine;
    private final GatewayConfig.ListenerConfig listener;

    HttpListenerInitializer(EngineContext engine, GatewayConfig.ListenerConfig listener) {
        this.engine = engine;
        this.listener = listener;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        if (listener.tls() != null) {
            TlsTermination.addTo(p, engine, listener);
        }
        if (!listener.http2().enabled()) {
            // No idle handler: ProxyFrontendHandler keeps the keep-alive timeout itself (ClientTimers), which
            // costs no listener per write.
            p.addLast("codec", codec(listener))
                    .addLast("proxy", new ProxyFrontendHandler(engine, listener));
            return;
        }
        p.addLast("keepalive", keepAlive(listener))
                .addLast("select", new ProtocolSelector(engine, listener));
    }

    private static StrictServerCodec codec(GatewayConfig.ListenerConfig listener) {
        return new StrictServerCodec(listener.maxRequestLineBytes(), listener.maxHeaderBytes(),
                listener.requestHeadersTimeout().toNanos());
    }

    static IdleStateHandler keepAlive(GatewayConfig.ListenerConfig listener) {
        return new IdleStateHandler(0, 0, listener.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The HTTP/1.1 handlers, after {@code base}. */
    static void addHttp1(ChannelPipeline p, String base, EngineContext engine, GatewayConfig.ListenerConfig listener) {
        p.remove("keepalive"); // the selector's; ProxyFrontendHandler keeps the keep-alive timeout from here on
        p.addAfter(base, "codec", codec(listener));
        p.addAfter("codec", "proxy", new ProxyFrontendHandler(engine, listener));
    }
}
