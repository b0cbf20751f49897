package io.tidegate.kernel.engine;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.tidegate.kernel.config.GatewayConfig;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline of an {@code http} or {@code https} listener's connection: TLS termination (https only),
 * strict codec, keep-alive idle timer, proxy.
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
        if (listener.tls() != null) {
            TlsTermination.addTo(ch.pipeline(), engine, listener);
        }
        ch.pipeline()
                .addLast("codec", new StrictServerCodec(listener.maxRequestLineBytes(), listener.maxHeaderBytes()))
                .addLast("keepalive", new IdleStateHandler(0, 0, listener.keepAliveTimeout().toNanos(),
                        TimeUnit.NANOSECONDS))
                .addLast("proxy", new ProxyFrontendHandler(engine, listener));
    }
}
