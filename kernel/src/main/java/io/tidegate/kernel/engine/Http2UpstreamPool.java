package io.tidegate.kernel.engine;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tidegate.kernel.runtime.CircuitBreaker;
import io.tidegate.kernel.runtime.ClusterRuntime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The multiplexed HTTP/2 upstream connections of one event loop, by {@link PoolKey} (docs/engine.md,
 * "Upstream HTTP/2 and gRPC"). Only its own loop touches it, so it needs no lock, as {@link UpstreamPool}.
 * A request gets a stream on the first connection with room (below the server's
 * {@code SETTINGS_MAX_CONCURRENT_STREAMS}, no GOAWAY received), or on a new connection when every one is full;
 * the cluster's {@code maxConnections} bounds the connections (each holds a place until it closes), and a request
 * that finds them all full waits as a pending request until a stream or a place frees.
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
     * A new stream channel to the endpoint of {@code key}, on {@code loop} (the caller's), or null when every
     * connection is full and the cluster's {@code maxConnections} allows no other: the caller waits as a pending
     * request ({@link ConnectionWaiter}) until a stream or a connection place frees. Fails as the connection did
     * (connect timeout, TLS handshake, ALPN without h2) when a new connection was needed, and with
     * {@link NoConnectionPlace} when the new connection the stream was promised to had room for fewer streams
     * than it was asked for and no other place was left.
     */
    Future<Channel> openStream(EventLoop loop, PoolKey key, ClusterRuntime cluster, UpstreamConnector connector,
                               EngineMetrics metrics) {
        Promise<Channel> promise = loop.newPromise();
        Http2UpstreamConnection.Target target = new Http2UpstreamConnection.Target(loop, key, cluster, connector,
                metrics);
        return place(promise, target, null, true) ? promise : null;
    }

    /**
     * A stream for an active health check: as a request's, except that at the cluster's {@code maxConnections}
     * it goes out on a connection of its own, outside the pool and the limit (Envoy's health checks are not
     * held back by circuit breakers either), closed after the probe.
     */
    Future<Channel> openProbeStream(EventLoop loop, PoolKey key, ClusterRuntime cluster, UpstreamConnector connector,
                                    EngineMetrics metrics) {
        Promise<Channel> promise = loop.newPromise();
        place(promise, new Http2UpstreamConnection.Target(loop, key, cluster, connector, metrics), null, false);
        return promise;
    }

    /**
     * Puts a promised stream on a connection with room other than {@code full} (one whose server allowed fewer
     * streams than were waiting for it), or on a new connection when none has room and the cluster's
     * {@code maxConnections} allows one (or this loop has none to the endpoint yet). False (the promise untouched)
     * when {@code limited} and neither holds.
     */
    boolean place(Promise<Channel> promise, Http2UpstreamConnection.Target target, Http2UpstreamConnection full,
                  boolean limited) {
        List<Http2UpstreamConnection> list = connections.get(target.key());
        if (list != null) {
            for (int i = 0, n = list.size(); i < n; i++) {
                Http2UpstreamConnection c = list.get(i);
                if (c != full && c.hasRoom()) {
                    c.openStream(promise);
                    return true;
                }
            }
        }
        CircuitBreaker breaker = target.cluster().breaker();
        boolean placed = breaker == null || breaker.tryOpenConnection();
        if (!placed && limited && (list == null || list.isEmpty())) {
            // This loop has no connection to the endpoint: open one over the limit, as Envoy does (a pool without
            // connections always gets one). A busy HTTP/2 connection elsewhere never goes idle, so waiting for
            // its place could last as long as its traffic does.
            target.metrics().overflow(target.cluster().name(), "maxConnections");
            breaker.openConnectionOverLimit();
            placed = true;
        }
        if (!placed && limited) {
            return false;
        }
        Http2UpstreamConnection fresh = Http2UpstreamConnection.connect(target, this, placed ? breaker : null);
        if (placed) {
            connections.computeIfAbsent(target.key(), k -> new ArrayList<>(2)).add(fresh);
        } else {
            fresh.leavePool(); // a probe's own connection: no other stream, closed after the probe's
        }
        fresh.openStream(promise);
        return true;
    }

    /**
     * A stream of {@code c} closed and it has room again: a request of this loop waiting for the same endpoint
     * takes the place. With none, an idle connection gives its place up when requests wait elsewhere (on
     * another loop, or for another endpoint), as an idle HTTP/1.1 connection does.
     */
    void streamFreed(Http2UpstreamConnection c, CircuitBreaker breaker) {
        if (!breaker.hasWaiters()) {
            return;
        }
        CircuitBreaker.Waiter w = breaker.takeWaiter(c.loop(), c.key());
        if (w != null) {
            ((ConnectionWaiter) w).streamFreed(() -> {
                if (c.hasRoom()) {
                    streamFreed(c, breaker); // the waiter had gone: the next one
                }
            });
        } else if (c.idle()) {
            c.close();
        }
    }

    /**
     * Closes one connection of {@code cluster} on this loop that carries no stream, freeing its
     * {@code maxConnections} place for a waiting request; false: none.
     */
    boolean closeOneIdle(String cluster) {
        for (List<Http2UpstreamConnection> list : connections.values()) {
            for (Http2UpstreamConnection c : list) {
                if (c.cluster().equals(cluster) && c.idle()) {
                    c.close();
                    return true;
                }
            }
        }
        return false;
    }

    /** Forgets a connection that closed, failed or received GOAWAY. */
    void remove(Http2UpstreamConnection c) {
        List<Http2UpstreamConnection> list = connections.get(c.key());
        if (list != null && list.remove(c) && list.isEmpty()) {
            connections.remove(c.key());
        }
    }

    /** The connection a stream was promised to took fewer streams, and the cluster's maxConnections no other. */
    static final class NoConnectionPlace extends Exception {
        NoConnectionPlace() {
            super("maxConnections reached", null, false, false);
        }
    }
}
