package io.tidegate.kernel.engine;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.tidegate.kernel.runtime.CircuitBreaker;
import java.util.concurrent.TimeUnit;

/**
 * An exchange waiting for an upstream connection because its cluster's {@code maxConnections} is
 * reached (a pending request, in Envoy's terms); for an HTTP/2 cluster, for a stream on one of the connections
 * it allows. It waits at most the cluster's connect timeout; the
 * route's request timeout, when shorter, ends it first, and a client that goes away cancels it.
 */
final class ConnectionWaiter extends CircuitBreaker.Waiter {

    /** What the waiting exchange's handler does when the wait ends. */
    interface Owner {
        /** A connection closed: open one now, or wait again. */
        void connectAgain(Exchange e);

        /** An idle connection of the same loop and pool key was handed over: send on it. */
        void sendOn(Exchange e, Channel upstream);

        /** No connection freed within the connect timeout. */
        void waitTimedOut(Exchange e);
    }

    private final Exchange exchange;
    private final Owner owner;
    private final EventLoop loop;
    private ScheduledFuture<?> timer;
    /** The wait outlived the connect timeout while a wake was under way: the next enqueue ends it. */
    private boolean expired;

    ConnectionWaiter(EventLoop loop, Exchange exchange, Owner owner) {
        super(loop, exchange.poolKey);
        this.loop = loop;
        this.exchange = exchange;
        this.owner = owner;
    }

    /**
     * Queues the exchange (again, after a wake that lost the freed place to another request); the
     * first time arms the wait's deadline. False when {@code maxPendingRequests} is reached.
     */
    boolean enqueue(CircuitBreaker breaker, long timeoutMillis) {
        if (expired) {
            stop();
            owner.waitTimedOut(exchange);
            return true;
        }
        if (!breaker.await(this)) {
            stop();
            return false;
        }
        exchange.connectionWaiter = this;
        if (timer == null) {
            timer = loop.schedule(this::expire, timeoutMillis, TimeUnit.MILLISECONDS);
        }
        return true;
    }

    private void expire() {
        timer = null;
        if (!current()) {
            return;
        }
        if (cancel()) {
            exchange.connectionWaiter = null;
            owner.waitTimedOut(exchange);
        } else {
            expired = true; // woken meanwhile: it gets this one try
        }
    }

    /** Stops waiting (the exchange got a connection, ended or moved on); a wake under way is passed on. */
    void stop() {
        exchange.connectionWaiter = null;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        cancel();
    }

    private boolean current() {
        return !exchange.finished && exchange.connectionWaiter == this;
    }

    @Override
    protected void onWake() {
        if (!current()) {
            breaker().passOn(); // the freed place is someone else's
            return;
        }
        owner.connectAgain(exchange); // opens a connection (and stops this wait) or queues again
    }

    /**
     * A stream of an HTTP/2 connection of the same loop and endpoint freed ({@link Http2UpstreamPool}): try
     * again, which takes it. A waiter that no longer needs it runs {@code passOn} (the next waiter's turn).
     */
    void streamFreed(Runnable passOn) {
        loop.execute(() -> {
            if (!current()) {
                passOn.run();
                return;
            }
            // As a wake: the waiter stays the exchange's, so that losing the stream to another request queues it
            // again with its deadline; the connect that gets a stream stops it.
            owner.connectAgain(exchange);
        });
    }

    /** Called on the connection's (and so this waiter's) loop by {@link UpstreamConnections}. */
    void handOver(Channel upstream) {
        loop.execute(() -> {
            if (!current()) {
                UpstreamConnections.release(exchange.cluster, exchange.poolKey, upstream, true); // to the next waiter
                return;
            }
            stop();
            if (upstream.isActive()) {
                owner.sendOn(exchange, upstream);
            } else {
                owner.connectAgain(exchange); // it closed meanwhile; its place went to the queue
            }
        });
    }
}
