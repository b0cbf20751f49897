package io.tidegate.kernel.engine;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.Mapping;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.tls.SniMap;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * TLS termination on an {@code https} listener: an {@link SniHandler} that picks the certificate from the
 * <em>live</em> generation when the ClientHello arrives, and an observer that counts handshakes and keeps
 * the SNI name. A certificate swap therefore changes new handshakes only; an open connection keeps the
 * {@link SslContext} it was made with.
 */
final class TlsTermination {

    static final String SNI = "tls";
    static final String OBSERVER = "tls-observer";
    /** Largest ClientHello accepted (post-quantum key shares make them bigger than they used to be). */
    private static final int MAX_CLIENT_HELLO = 64 * 1024;

    private TlsTermination() {
    }

    /** Adds the TLS handlers in front of the HTTP codec. */
    static void addTo(ChannelPipeline pipeline, EngineContext engine, GatewayConfig.ListenerConfig listener) {
        long timeout = listener.tls().handshakeTimeout().toMillis();
        String name = listener.name();
        Mapping<String, SslContext> live = host -> {
            SniMap map = engine.config().certificates(name);
            SniMap.Entry entry = map == null ? null : map.lookup(host);
            if (entry == null) {
                throw new IllegalStateException("listener " + name + ": no certificate for "
                        + (host == null ? "a client without SNI" : "'" + host + "'") + " and no default");
            }
            return entry.context();
        };
        pipeline.addLast(SNI, new Sni(live, timeout));
        pipeline.addLast(OBSERVER, new Observer(engine.metrics(), name));
    }

    /** The SNI name of a connection whose handshake is done (null: the client sent none). */
    static String serverName(ChannelPipeline pipeline) {
        Observer o = pipeline.get(Observer.class);
        return o == null ? null : o.serverName;
    }

    /** The client's verified chain (mutual TLS), leaf first; empty when it sent none. */
    static List<X509Certificate> peerCertificates(ChannelPipeline pipeline) {
        SslHandler ssl = pipeline.get(SslHandler.class);
        if (ssl == null) {
            return List.of();
        }
        try {
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : ssl.engine().getSession().getPeerCertificates()) {
                if (c instanceof X509Certificate x) {
                    out.add(x);
                }
            }
            return out;
        } catch (SSLPeerUnverifiedException none) {
            return List.of();
        }
    }

    private static final class Sni extends SniHandler {
        private final long timeoutMillis;

        Sni(Mapping<String, SslContext> mapping, long timeoutMillis) {
            super(mapping, MAX_CLIENT_HELLO, timeoutMillis);
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
            SslHandler handler = super.newSslHandler(context, allocator);
            handler.setHandshakeTimeoutMillis(timeoutMillis);
            return handler;
        }
    }

    /** Counts handshakes by result and protocol, and remembers the SNI name. */
    private static final class Observer extends ChannelInboundHandlerAdapter {
        private final EngineMetrics metrics;
        private final String listener;
        String serverName;
        private boolean counted;

        Observer(EngineMetrics metrics, String listener) {
            this.metrics = metrics;
            this.listener = listener;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SniCompletionEvent sni) {
                serverName = sni.hostname();
                if (!sni.isSuccess()) {
                    count(null, false);
                }
            } else if (evt instanceof SslHandshakeCompletionEvent done) {
                if (done.isSuccess()) {
                    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                    SSLSession session = ssl == null ? null : ssl.engine().getSession();
                    count(session == null ? "" : session.getProtocol(), true);
                } else {
                    count(null, false);
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        private void count(String protocol, boolean success) {
            if (!counted) {
                counted = true;
                metrics.tlsHandshake(listener, protocol, success);
            }
        }
    }
}
