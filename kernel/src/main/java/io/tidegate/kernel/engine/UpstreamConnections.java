package io.tidegate.kernel.engine;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.tidegate.kernel.runtime.CircuitBreaker;
import io.tidegate.kernel.runtime.ClusterRuntime;

/**
 * Opening and giving back upstream connections under the cluster's limits. A connection opened
 * here holds a place of the cluster's {@code maxConnections} until it closes. One given back goes to
 * a request of the same loop and pool key waiting for a connection, to the loop's idle pool, or is
 * closed. Runs on the connection's event loop.
 */
final class UpstreamConnections {

    private UpstreamConnections() {
    }

    /**
     * Starts opening a connection for {@code key}, or returns null when the cluster's
     * {@code maxConnections} is reached (the caller waits or gives up).
     */
    static ChannelFuture open(UpstreamConnector connector, EventLoop loop, PoolKey key, ClusterRuntime cluster) {
        CircuitBreaker breaker = cluster.breaker();
        if (breaker != null && !breaker.tryOpenConnection()) {
            return null;
        }
        ChannelFuture future = connector.connect(loop, key, cluster);
        if (breaker != null) {
            future.channel().closeFuture().addListener(f -> breaker.connectionClosed());
        }
        return future;
    }

    /**
     * @param reusable the exchange ended cleanly and both sides agree on the framing
     * @param cluster the connection's cluster (its limits apply); null for the forward proxy
     */
    static void release(ClusterRuntime cluster, PoolKey key, Channel ch, boolean reusable) {
        if (!reusable || !ch.isActive()) {
            ch.close();
            return;
        }
        UpstreamHandler handler = ch.pipeline().get(UpstreamHandler.class);
        if (cluster != null) {
            int max = cluster.maxRequestsPerConnection();
            if (max > 0 && handler != null && handler.requests() >= max) {
                ch.close(); // maxRequestsPerConnection: this one carried its share
                return;
            }
            CircuitBreaker breaker = cluster.breaker();
            if (breaker != null && breaker.hasWaiters()) {
                CircuitBreaker.Waiter waiter = breaker.takeWaiter(ch.eventLoop(), key);
                if (waiter != null) {
                    ((ConnectionWaiter) waiter).handOver(ch);
                } else {
                    ch.close(); // its place goes to a request waiting on another loop or for another endpoint
                }
                return;
            }
        }
        if (UpstreamPool.current().release(key, ch)) {
            if (handler != null) {
                handler.pooled();
            }
            ch.read(); // watch the idle connection: EOF or stray bytes close it
        } else {
            ch.close();
        }
    }
}
