package io.tidegate.kernel.engine;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.spi.model.ListenerProtocol;

/**
 * The pipeline of a {@code tcp} or {@code tls-passthrough} listener's connection: for passthrough a
 * {@link ClientHelloSniffer} that reads the SNI name without terminating TLS, then the {@link L4Connection}
 * that routes, connects and relays. Half-closure is allowed, so a client's FIN reaches the upstream as a FIN.
 */
final class L4ListenerInitializer extends ChannelInitializer<SocketChannel> {

    private final EngineContext engine;
    private final GatewayConfig.ListenerConfig listener;

    L4ListenerInitializer(EngineContext engine, GatewayConfig.ListenerConfig listener) {
        this.engine = engine;
        this.listener = listener;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        ChannelPipeline p = ch.pipeline();
        if (listener.listener().protocol() == ListenerProtocol.TLS_PASSTHROUGH) {
            p.addLast("hello", new ClientHelloSniffer(listener.l4().maxClientHelloBytes()));
        }
        p.addLast("l4", new L4Connection(engine, listener));
    }
}
