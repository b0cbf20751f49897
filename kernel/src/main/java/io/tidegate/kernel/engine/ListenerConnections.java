package io.tidegate.kernel.engine;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.tidegate.spi.plugin.Metrics;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A listener's open client connections, and its {@code maxConnections} (Envoy's listener connection limit):
 * a connection accepted while the listener already has that many open is closed at once, before any byte is
 * read or any handler runs, and counted as an overflow.
 *
 * <p>It sits in the <b>server</b> channel's pipeline, ahead of Netty's acceptor, so it sees every accepted
 * child channel before the child is registered with an event loop; that makes it independent of what the
 * listener speaks (HTTP, HTTPS, TCP, ...). A refused child is closed with {@code closeForcibly()}, as Netty's
 * acceptor closes a child it failed to register: it never gets a pipeline or a loop. Why accept-then-close
 * rather than leaving connections in the kernel's backlog by turning the server channel's auto-read off:
 * a client learns at once (and its load balancer can retry elsewhere), the overflow is countable, the limit
 * is exact even for the accepts Netty batches in one read, and no client waits behind a backlog that serves
 * nobody until some connection closes.
 *
 * <p>The count is one {@link AtomicInteger} per listener: incremented on the acceptor's loop and decremented
 * on whichever loop the connection lives on, from its close future. A listener bound to several acceptors
 * would share the same instance's count. Listeners are fixed for the life of the process, so config swaps
 * never reset it.
 */
final class ListenerConnections extends ChannelInboundHandlerAdapter {

    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final Metrics.Counter overflow;
    private final ChannelFutureListener closed = f -> open.decrementAndGet();

    /**
     * @param max open connections at most; 0: unlimited (counted for the gauge only)
     */
    ListenerConnections(String listener, int max, EngineMetrics metrics) {
        this.max = max;
        this.overflow = metrics.listenerConnections(listener, open::get);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        if (!tryOpen()) {
            overflow.increment();
            child.unsafe().closeForcibly();
            return;
        }
        child.closeFuture().addListener(closed);
        ctx.fireChannelRead(child);
    }

    private boolean tryOpen() {
        if (max == 0) {
            open.incrementAndGet();
            return true;
        }
        while (true) {
            int n = open.get();
            if (n >= max) {
                return false;
            }
            if (open.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Open connections now. */
    int open() {
        return open.get();
    }
}
