package io.tidegate.plugins.consul;

import static java.util.Objects.requireNonNull;

import io.tidegate.plugins.consul.ConsulApi.Indexed;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One blocking-query loop on its own thread, following Consul's rules for blocking queries
 * (developer.hashicorp.com/consul/api-docs/features/blocking, "Implementation details"):
 * <ol>
 *   <li>the first query (and the first after a reset) asks with index 0: the current state at once;
 *   <li><b>same index: no change.</b> A result whose {@code X-Consul-Index} equals the index asked
 *       with is a {@code wait} that expired: nothing is delivered;
 *   <li><b>index went backwards</b> (a restored snapshot, another server): the result is delivered and
 *       the next query asks with index 0;
 *   <li><b>never below 1:</b> an index of 0 in a response (a Consul bug) would make every query return
 *       at once; the next query asks with index 1 instead;
 *   <li><b>churn limit:</b> two queries of one watch start at least {@code minInterval} apart, so a
 *       flapping service cannot make the loop spin;
 *   <li><b>back off on errors:</b> after a failure the loop waits {@code initial}, doubling up to
 *       {@code max} (with 20% jitter), then asks with index 0: a recovered agent answers at once,
 *       instead of holding the retry for a whole {@code wait} when nothing changed meanwhile.
 * </ol>
 *
 * @param <T> the query's value
 */
final class BlockingWatch<T> implements Runnable {

    /** The query: {@code index} 0 means "now", else hold until the index passes it or wait expires. */
    @FunctionalInterface
    interface Query<T> {
        Indexed<T> fetch(long index, Duration wait) throws Exception;
    }

    /** Told about results and failures, on the watch's thread. */
    interface Listener<T> {
        void changed(T value);

        void failed(Exception error, int consecutiveFailures);
    }

    private final String what;
    private final Query<T> query;
    private final Listener<T> listener;
    private final Duration wait;
    private final Duration minInterval;
    private final Duration backoffInitial;
    private final Duration backoffMax;
    private volatile boolean closed;
    private volatile Thread thread;

    BlockingWatch(String what, Query<T> query, Listener<T> listener, ConsulSettings settings) {
        this(what, query, listener, settings.blockingWait(), settings.minQueryInterval(), settings.backoffInitial(),
                settings.backoffMax());
    }

    BlockingWatch(String what, Query<T> query, Listener<T> listener, Duration wait, Duration minInterval,
                  Duration backoffInitial, Duration backoffMax) {
        this.what = requireNonNull(what, "what");
        this.query = requireNonNull(query, "query");
        this.listener = requireNonNull(listener, "listener");
        this.wait = wait;
        this.minInterval = minInterval;
        this.backoffInitial = backoffInitial;
        this.backoffMax = backoffMax;
    }

    /** Starts the loop on a daemon thread of its own. */
    BlockingWatch<T> start(String threadName) {
        Thread t = new Thread(this, threadName);
        t.setDaemon(true);
        thread = t;
        t.start();
        return this;
    }

    String what() {
        return what;
    }

    @Override
    public void run() {
        long index = 0;
        int failures = 0;
        long lastStart = 0;
        while (!closed) {
            long gap = minInterval.toNanos() - (System.nanoTime() - lastStart);
            if (lastStart != 0 && gap > 0 && !pause(gap)) {
                return;
            }
            lastStart = System.nanoTime();
            Indexed<T> result;
            try {
                result = query.fetch(index, wait);
            } catch (Exception e) {
                if (closed) {
                    return;
                }
                failures++;
                index = 0;
                listener.failed(e, failures);
                if (!pause(backoff(failures))) {
                    return;
                }
                continue;
            }
            if (closed) {
                return;
            }
            failures = 0;
            long got = result.index();
            // Same index: the wait expired and nothing changed. (After an error the index is 0: delivered.)
            boolean deliver = index == 0 || got != index;
            long asked = index;
            if (got < 1) {
                index = 1; // never block on index 0: it would return at once, every time
            } else if (got < asked) {
                index = 0; // went backwards: start over with a non-blocking query
            } else {
                index = got;
            }
            if (deliver) {
                listener.changed(result.value());
            }
        }
    }

    long backoff(int failures) {
        long initial = backoffInitial.toNanos();
        long max = backoffMax.toNanos();
        long delay = failures >= 31 ? max : Math.min(max, initial << Math.min(30, failures - 1));
        if (delay <= 0 || delay > max) {
            delay = max;
        }
        double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
        return (long) (delay * jitter);
    }

    /** Sleeps; false when closed meanwhile. */
    private boolean pause(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
            return !closed;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** Stops the loop: a sleep ends at once; a query in flight is cancelled by closing the client. */
    void close() {
        closed = true;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }
}
