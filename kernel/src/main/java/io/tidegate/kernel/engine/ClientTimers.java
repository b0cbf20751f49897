package io.tidegate.kernel.engine;

import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayDeque;

/**
 * The timeouts of one client connection (or HTTP/2 stream): the route's request and idle timeouts while an
 * exchange runs, and the listener's keep-alive timeout between exchanges. Each is a {@link LazyTimer}, kept
 * for the connection's life, so a keep-alive connection schedules a task about once per timeout period
 * rather than two or three per request. Only the connection's event loop touches it.
 */
final class ClientTimers {

    /** The connection the timers belong to. */
    interface Owner {
        /** The exchange running now; null between exchanges. */
        Exchange current();

        /** The request or idle timeout of {@code e} expired ({@code flag} {@code UT} or {@code SI}). */
        void timedOut(Exchange e, String flag, String detail);

        /** No exchange, and no byte from the client, for the keep-alive timeout. */
        void keepAliveExpired();
    }

    /** Null while an HTTP/2 stream's timers wait in their connection's {@link Pool} for the next stream. */
    private Owner owner;
    /** Where an HTTP/2 stream's timers go back when it ends; null for an HTTP/1.1 connection's. */
    private final Pool pool;
    private final LazyTimer request;
    private final LazyTimer idle;
    /** Null on an HTTP/2 stream, whose connection keeps its own keep-alive timer. */
    private final LazyTimer keepAlive;
    private final long keepAliveNanos;
    private long idleNanos;

    /** @param keepAliveNanos the listener's keep-alive timeout; 0: none kept here */
    ClientTimers(EventExecutor loop, Owner owner, long keepAliveNanos) {
        this(loop, owner, keepAliveNanos, null);
    }

    private ClientTimers(EventExecutor loop, Owner owner, long keepAliveNanos, Pool pool) {
        this.owner = owner;
        this.pool = pool;
        this.request = new LazyTimer(loop, this::requestExpired);
        this.idle = new LazyTimer(loop, this::idleExpired);
        this.keepAliveNanos = keepAliveNanos;
        this.keepAlive = keepAliveNanos > 0 ? new LazyTimer(loop, this::keepAliveExpired) : null;
    }

    /** A request head arrived: the keep-alive wait ends. */
    void requestArrived() {
        if (keepAlive != null) {
            keepAlive.disarm();
        }
    }

    /** The exchange is routed: its route's timeouts start (0: none). */
    void exchangeStarted(long requestNanos, long idleNanos) {
        if (requestNanos > 0) {
            request.arm(requestNanos);
        }
        this.idleNanos = idleNanos;
        if (idleNanos > 0) {
            idle.arm(idleNanos);
        }
    }

    /** The request timeout no longer applies (the exchange became a tunnel, which lives as long as bytes move). */
    void requestTimeoutOff() {
        request.disarm();
    }

    /** The exchange ended, or became a tunnel with its own idle handling. */
    void exchangeEnded() {
        request.disarm();
        idle.disarm();
    }

    /** The connection waits for its next request (also when it opens). */
    void awaitingRequest() {
        if (keepAlive != null) {
            keepAlive.arm(keepAliveNanos);
        }
    }

    /** Bytes arrived between exchanges (part of a head not yet complete): the client is not idle. */
    void clientRead() {
        if (keepAlive != null && owner.current() == null) {
            keepAlive.arm(keepAliveNanos);
        }
    }

    /**
     * The connection is gone: nothing stays scheduled for it. A stream's timers go back to its connection's pool,
     * once: {@code by} must still own them (a stale owner's second stop must not give away the next stream's).
     */
    void stop(Owner by) {
        if (owner != by) {
            return; // given back already
        }
        if (pool != null) {
            request.disarm();
            idle.disarm();
            owner = null;
            pool.giveBack(this);
            return;
        }
        cancel();
    }

    private void cancel() {
        request.stop();
        idle.stop();
        if (keepAlive != null) {
            keepAlive.stop();
        }
    }

    private void keepAliveExpired() {
        if (owner != null) {
            owner.keepAliveExpired();
        }
    }

    private void requestExpired() {
        if (owner == null) {
            return;
        }
        Exchange e = owner.current();
        if (e != null && !e.finished) {
            owner.timedOut(e, "UT", "upstream request timeout");
        }
    }

    private void idleExpired() {
        if (owner == null) {
            return;
        }
        Exchange e = owner.current();
        if (e == null || e.finished) {
            return;
        }
        long quiet = System.nanoTime() - e.lastActivityNanos;
        if (quiet >= idleNanos) {
            owner.timedOut(e, "SI", "idle timeout");
        } else {
            idle.arm(idleNanos - quiet); // bytes moved since it was armed
        }
    }

    /**
     * The timers of one HTTP/2 connection's streams. A stream lives for one exchange, so timers of its own would
     * schedule and cancel a task per request, which is what {@link LazyTimer} exists to avoid; a stream takes
     * the timers a finished stream gave back, whose tasks are still scheduled, and moves their deadlines.
     */
    static final class Pool {

        private final EventExecutor loop;
        private final ArrayDeque<ClientTimers> free = new ArrayDeque<>();
        private boolean closed;

        Pool(EventExecutor loop) {
            this.loop = loop;
        }

        /** Timers for a new stream's exchange (no keep-alive: that is the connection's). */
        ClientTimers take(Owner owner) {
            ClientTimers t = free.poll();
            if (t == null) {
                return new ClientTimers(loop, owner, 0, this);
            }
            t.owner = owner;
            return t;
        }

        private void giveBack(ClientTimers t) {
            if (closed) {
                t.cancel();
            } else {
                free.add(t);
            }
        }

        /** The connection is gone: nothing stays scheduled for it. */
        void close() {
            closed = true;
            ClientTimers t;
            while ((t = free.poll()) != null) {
                t.cancel();
            }
        }
    }
}
