package io.tidegate.kernel.engine;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tidegate.kernel.runtime.ClusterRuntime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The multiplexed HTTP/2 upstream connections of one event loop, by {@link PoolKey} (docs/engine.md,
 * "Upstream HTTP/2 and gRPC"). Only its own loop touches it, so it needs no lock, as {@link UpstreamPool}.
 * A request gets a stream on the first connection with room (below the server's
 * {@code SETTINGS_MAX_CONCURRENT_STREAMS}, no GOAWAY received), or on a new connection when every one is full.
 */
final class Http2UpstreamPool {

    private static final FastThreadLocal<Http2UpstreamPool> POOLS = new FastThreadLocal<>() {
        @Override
        protected Http2UpstreamPool initialValue() {
            return new Http2UpstreamPool();
        }
    };

    private final Map<PoolKey, List<Http2UpstreamConnection>> connections = new HashMap<>();

    /** The pool of the calling event loop. */
    static Http2UpstreamPool current() {
        return POOLS.get();
    }

    /**
     * A new stream channel to the endpoint of {@code key}, on {@code loop} (the caller's). Fails as the
     * connection did (connect timeout, TLS handshake, ALPN without h2) when a new connection was needed.
     */
    Future<Channel> openStream(EventLoop loop, PoolKey key, ClusterRuntime cluster, UpstreamConnector connector,
                               EngineMetrics metrics) {
        Promise<Channel> promise = loop.newPromise();
        place(promise, new Http2UpstreamConnection.Target(loop, key, cluster, connector, metrics), null);
        return promise;
    }

    /**
     * Puts a promised stream on a connection with room other than {@code full} (one whose server allowed fewer
     * streams than were waiting for it), or on a new connection when none has room.
     */
    void place(Promise<Channel> promise, Http2UpstreamConnection.Target target, Http2UpstreamConnection full) {
        List<Http2UpstreamConnection> list = connections.computeIfAbsent(target.key(), k -> new ArrayList<>(2));
        for (int i = 0, n = list.size(); i < n; i++) {
            Http2UpstreamConnection c = list.get(i);
            if (c != full && c.hasRoom()) {
                c.openStream(promise);
                return;
            }
        }
        Http2UpstreamConnection fresh = Http2UpstreamConnection.connect(target, this);
        list.add(fresh);
        fresh.openStream(promise);
    }

    /** Forgets a connection that closed, failed or received GOAWAY. */
    void remove(Http2UpstreamConnection c) {
        List<Http2UpstreamConnection> list = connections.get(c.key());
        if (list != null && list.remove(c) && list.isEmpty()) {
            connections.remove(c.key());
        }
    }
}
