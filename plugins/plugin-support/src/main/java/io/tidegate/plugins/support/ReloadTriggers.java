package io.tidegate.plugins.support;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What makes a file-backed source read its files again: a {@link DirectoryWatcher}'s events, debounced into one
 * reload, and a periodic rescan that catches what the watch service misses. The source keeps its own reload (and
 * its lock); it calls {@link #ensureRegistered} after each read so that directories created since are watched.
 */
public final class ReloadTriggers implements AutoCloseable {

    private final String threadName;
    private final ScheduledExecutorService scheduler;
    private final Duration debounce;
    private final System.Logger log;
    private final Runnable reload;
    private final AtomicBoolean pending = new AtomicBoolean();
    private volatile boolean closed;
    private DirectoryWatcher watcher;
    private Future<?> poll;

    /** @param reload the source's reload, run on {@code scheduler} */
    public ReloadTriggers(String threadName, ScheduledExecutorService scheduler, Duration debounce,
                          System.Logger log, Runnable reload) {
        this.threadName = requireNonNull(threadName, "threadName");
        this.scheduler = requireNonNull(scheduler, "scheduler");
        this.debounce = requireNonNull(debounce, "debounce");
        this.log = requireNonNull(log, "log");
        this.reload = requireNonNull(reload, "reload");
    }

    /** Watches {@code directories}; fails when the platform has no watch service (polling still works). */
    public synchronized void watch(List<Path> directories) throws IOException {
        DirectoryWatcher w = new DirectoryWatcher(threadName, directories, this::changed, log);
        w.start();
        watcher = w;
    }

    /** Reloads every {@code interval} from now on. */
    public synchronized void pollEvery(Duration interval) {
        long every = interval.toNanos();
        poll = scheduler.scheduleWithFixedDelay(reload, every, every, TimeUnit.NANOSECONDS);
    }

    /** After a read: directories that appeared (or were replaced) since are watched too. */
    public void ensureRegistered() {
        DirectoryWatcher w;
        synchronized (this) {
            w = watcher;
        }
        if (w != null) {
            w.ensureRegistered();
        }
    }

    /** A watch event: reload after the debounce, unless a reload is already due. */
    private void changed() {
        if (closed || !pending.compareAndSet(false, true)) {
            return;
        }
        try {
            scheduler.schedule(() -> {
                pending.set(false); // events from here on schedule another reload
                reload.run();
            }, debounce.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            pending.set(false); // the kernel is shutting down
        }
    }

    /** No further reload is triggered; one already running is the source's to wait for. */
    @Override
    public void close() {
        closed = true;
        DirectoryWatcher w;
        Future<?> p;
        synchronized (this) {
            w = watcher;
            p = poll;
        }
        if (p != null) {
            p.cancel(false);
        }
        if (w != null) {
            w.close();
        }
    }
}
