package io.tidegate.kernel.engine;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tidegate.kernel.runtime.ClusterRuntime;
import io.tidegate.spi.model.Cluster;

/**
 * A fresh upstream channel for one exchange, by the cluster's protocol: a new HTTP/1.1 connection, or a
 * stream of a multiplexed HTTP/2 connection ({@link Http2UpstreamPool}). Either way the channel ends with an
 * {@link UpstreamHandler} and carries HTTP/1.1 message objects, so the proxy drives both alike.
 */
final class UpstreamChannels {

    /**
     * Set on a stream of an HTTP/2 connection that carried streams before it: a failure before any response
     * byte may then be the connection dying under it (as a reused HTTP/1.1 connection's idle race), and an
     * idempotent request without a body gets the one retry.
     */
    static final AttributeKey<Boolean> REUSED = AttributeKey.valueOf("tidegate.upstream.reused");

    private UpstreamChannels() {
    }

    /** Whether a channel {@link #open} returned went out on a connection that was used before. */
    static boolean reused(Channel ch) {
        return Boolean.TRUE.equals(ch.attr(REUSED).get());
    }

    static boolean isHttp2(ClusterRuntime cluster) {
        return cluster.spec().protocol() == Cluster.UpstreamProtocol.HTTP2;
    }

    /**
     * The channel, or null when the cluster's {@code maxConnections} is reached and the caller must wait for
     * a connection to free ({@link UpstreamConnections}); for an HTTP/2 cluster, when every connection it
     * allows is full ({@link Http2UpstreamPool}).
     */
    static Future<Channel> open(EngineContext engine, EventLoop loop, PoolKey key, ClusterRuntime cluster) {
        if (isHttp2(cluster)) {
            return Http2UpstreamPool.current().openStream(loop, key, cluster, engine.connector(), engine.metrics());
        }
        ChannelFuture connected = UpstreamConnections.open(engine.connector(), loop, key, cluster);
        if (connected == null) {
            return null;
        }
        Promise<Channel> promise = loop.newPromise();
        connected.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                return;
            }
            engine.metrics().upstreamConnectionOpened(cluster.name());
            if (!promise.trySuccess(f.channel())) {
                f.channel().close();
            }
        });
        return promise;
    }
}
