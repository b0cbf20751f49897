package io.tidegate.kernel.runtime;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.model.ConnectionLimits;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cluster's circuit breakers (Envoy's {@code circuit_breakers} thresholds), per gateway process:
 * counters shared by every event loop, so a limit holds whatever loop a request runs on. Exists only
 * for a cluster with at least one limit; an unlimited cluster has none and pays nothing.
 *
 * <p>Each {@code tryStart*} takes a place or says no; its {@code *Ended} gives the place back. A
 * limit of 0 never says no, but the place is still counted for the gauges.
 *
 * <p>Requests waiting for a connection (the connection limit is reached) queue here as
 * {@link Waiter}s. A closed connection wakes the oldest one on its own executor (event loop), which
 * then tries again; a connection that goes idle while requests wait is handed to the oldest waiter
 * of the same loop ({@link #takeWaiter}).
 */
public final class CircuitBreaker {

    private final ConnectionLimits limits;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger retries = new AtomicInteger();
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();

    private CircuitBreaker(ConnectionLimits limits) {
        this.limits = requireNonNull(limits, "limits");
    }

    /** The breaker for these limits, or null when none of them limits anything. */
    static CircuitBreaker of(ConnectionLimits limits) {
        boolean any = limits.maxConnections() > 0 || limits.maxPendingRequests() > 0 || limits.maxRequests() > 0
                || limits.maxRetries() > 0;
        return any ? new CircuitBreaker(limits) : null;
    }

    public ConnectionLimits limits() {
        return limits;
    }

    /** A request starts (to the cluster, across its tries); false: {@code maxRequests} is reached. */
    public boolean tryStartRequest() {
        return tryTake(requests, limits.maxRequests());
    }

    public void requestEnded() {
        requests.decrementAndGet();
    }

    /** A retry starts; false: {@code maxRetries} is reached. */
    public boolean tryStartRetry() {
        return tryTake(retries, limits.maxRetries());
    }

    public void retryEnded() {
        retries.decrementAndGet();
    }

    /** A new upstream connection may be opened; false: {@code maxConnections} is reached. */
    public boolean tryOpenConnection() {
        return tryTake(connections, limits.maxConnections());
    }

    /**
     * A connection opened whatever the limit (counted, so that the others see it): the first of a pool that has
     * none, which would otherwise wait for places that busy multiplexed connections elsewhere never give back.
     * Closed as any other, with {@link #connectionClosed}.
     */
    public void openConnectionOverLimit() {
        connections.incrementAndGet();
    }

    /** A connection {@link #tryOpenConnection} allowed is closed (or failed to open): wakes a waiter. */
    public void connectionClosed() {
        connections.decrementAndGet();
        wakeOne();
    }

    /** Wakes the oldest waiter: a wake went to a request that no longer needs it. */
    public void passOn() {
        wakeOne();
    }

    private void wakeOne() {
        Waiter w;
        while ((w = waiters.poll()) != null) {
            if (w.wake()) {
                return;
            }
        }
    }

    /**
     * Queues a request until a connection frees, or returns false when {@code maxPendingRequests}
     * requests wait already (the request overflows). A woken waiter that loses the freed place to
     * another request queues again (at the back).
     */
    public boolean await(Waiter waiter) {
        if (!tryTake(pending, limits.maxPendingRequests())) {
            return false;
        }
        waiter.breaker = this;
        waiter.state.set(Waiter.WAITING);
        waiters.add(waiter);
        if (connections.get() < limits.maxConnections()) {
            wakeOne(); // a connection closed between the caller's tryOpenConnection and now
        }
        return true;
    }

    /**
     * The oldest waiter on {@code executor} for {@code poolKey}, taken out of the queue, or null. A
     * connection going idle on a loop while requests wait goes to such a waiter. Scans the queue,
     * which is only ever non-empty while the cluster is saturated and is bounded by
     * {@code maxPendingRequests}.
     */
    public Waiter takeWaiter(Executor executor, Object poolKey) {
        if (waiters.isEmpty()) {
            return null;
        }
        for (Waiter w : waiters) {
            if (w.executor == executor && w.poolKey.equals(poolKey) && w.claim()) {
                waiters.remove(w);
                return w;
            }
        }
        return null;
    }

    /** Whether requests wait for a connection (a connection going idle is then better closed). */
    public boolean hasWaiters() {
        return !waiters.isEmpty();
    }

    public int openConnections() {
        return connections.get();
    }

    public int pendingRequests() {
        return pending.get();
    }

    public int activeRequests() {
        return requests.get();
    }

    private static boolean tryTake(AtomicInteger counter, int max) {
        if (max <= 0) {
            counter.incrementAndGet();
            return true;
        }
        while (true) {
            int now = counter.get();
            if (now >= max) {
                return false;
            }
            if (counter.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /**
     * A request waiting for a connection. It leaves the queue exactly once: woken (a connection closed;
     * {@link #onWake} runs on its executor), claimed (handed an idle connection by {@link #takeWaiter}),
     * or cancelled (timed out, or its client went away).
     */
    public abstract static class Waiter {
        private static final int WAITING = 0;
        private static final int DONE = 1;

        private final Executor executor;
        private final Object poolKey;
        private final AtomicInteger state = new AtomicInteger(DONE); // WAITING only while queued
        private CircuitBreaker breaker;

        /** @param poolKey which idle connections may serve it (the engine's pool key) */
        protected Waiter(Executor executor, Object poolKey) {
            this.executor = requireNonNull(executor, "executor");
            this.poolKey = requireNonNull(poolKey, "poolKey");
        }

        /** The breaker it waits at (set when it queues). */
        protected CircuitBreaker breaker() {
            return breaker;
        }

        /** A connection closed: try to get one again (runs on the waiter's executor). */
        protected abstract void onWake();

        /** Leaves the queue without being served; false when it was woken or claimed already. */
        public boolean cancel() {
            if (!leave()) {
                return false;
            }
            breaker.waiters.remove(this);
            return true;
        }

        private boolean wake() {
            if (!leave()) {
                return false;
            }
            executor.execute(this::onWake);
            return true;
        }

        private boolean claim() {
            return leave();
        }

        private boolean leave() {
            if (!state.compareAndSet(WAITING, DONE)) {
                return false;
            }
            breaker.pending.decrementAndGet();
            return true;
        }
    }
}
