package io.tidegate.kernel.engine;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A timeout that is set far more often than it expires: a keep-alive, head or idle timeout that every
 * request sets again. Scheduling a task and cancelling it per request costs a priority-queue insert and
 * removal on the event loop each time; this keeps at most one task scheduled and lets the task find out,
 * when it runs, whether the deadline moved on meanwhile. If it did, the task sleeps again for the rest.
 * Disarming costs nothing: the task runs once more, finds nothing to do, and is not scheduled again.
 *
 * <p>Only the owner's event loop touches it.
 */
final class LazyTimer implements Runnable {

    private final EventExecutor loop;
    private final Runnable expired;
    private boolean armed;
    /** {@link System#nanoTime()} at which the armed timeout expires. */
    private long deadline;
    private ScheduledFuture<?> task;
    /** {@link System#nanoTime()} at which {@link #task} runs. */
    private long taskRunsAt;

    /** @param expired run on {@code loop} when an armed deadline passes without being moved or disarmed */
    LazyTimer(EventExecutor loop, Runnable expired) {
        this.loop = loop;
        this.expired = expired;
    }

    /** Expires {@code delayNanos} from now, replacing any deadline set before. */
    void arm(long delayNanos) {
        long at = System.nanoTime() + delayNanos;
        armed = true;
        deadline = at;
        if (task == null || taskRunsAt - at > 0) { // nothing scheduled, or what is runs too late for this deadline
            if (task != null) {
                task.cancel(false);
            }
            schedule(at, delayNanos);
        }
    }

    /** No deadline until the next {@link #arm}. */
    void disarm() {
        armed = false;
    }

    /** For good (the owner's channel is gone): the scheduled task is cancelled now rather than left to run. */
    void stop() {
        armed = false;
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    @Override
    public void run() {
        task = null;
        if (!armed) {
            return;
        }
        long left = deadline - System.nanoTime();
        if (left > 0) {
            schedule(deadline, left); // moved on since this task was scheduled
            return;
        }
        armed = false;
        expired.run();
    }

    private void schedule(long at, long delayNanos) {
        taskRunsAt = at;
        task = loop.schedule(this, delayNanos, TimeUnit.NANOSECONDS);
    }
}
