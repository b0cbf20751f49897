package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link LazyTimer} on a real event loop. Whether a timer did not fire is judged by ordering: a plain task
 * scheduled on the same loop for later than the timer's deadline runs after it would have.
 */
class LazyTimerTest {

    final AtomicInteger schedules = new AtomicInteger();
    final EventLoop loop = new DefaultEventLoop() {
        @Override
        public io.netty.util.concurrent.ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
            schedules.incrementAndGet();
            return super.schedule(task, delay, unit);
        }
    };

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void anArmedTimerExpiresOnceAfterItsDelay() throws Exception {
        AtomicInteger fired = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);
        long[] at = new long[1];
        LazyTimer timer = new LazyTimer(loop, () -> {
            fired.incrementAndGet();
            at[0] = System.nanoTime();
            done.countDown();
        });
        long armed = onLoop(() -> {
            timer.arm(TimeUnit.MILLISECONDS.toNanos(50));
            return System.nanoTime();
        });
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(at[0] - armed).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
        afterOnLoop(200);
        assertThat(fired).hasValue(1);
    }

    @Test
    void armingAgainMovesTheDeadlineLater() throws Exception {
        CompletableFuture<Long> firedAt = new CompletableFuture<>();
        LazyTimer timer = new LazyTimer(loop, () -> firedAt.complete(System.nanoTime()));
        onLoop(() -> {
            timer.arm(TimeUnit.MILLISECONDS.toNanos(50));
            return null;
        });
        long rearmed = onLoop(() -> {
            timer.arm(TimeUnit.MILLISECONDS.toNanos(300)); // the first task still runs at 50 ms, and sleeps again
            return System.nanoTime();
        });
        assertThat(firedAt.get(10, TimeUnit.SECONDS) - rearmed).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
    }

    @Test
    void armingAgainAndAgainSchedulesOneTask() throws Exception {
        LazyTimer timer = new LazyTimer(loop, () -> { });
        onLoop(() -> {
            for (int i = 0; i < 1000; i++) {
                timer.arm(TimeUnit.SECONDS.toNanos(60));
                timer.disarm();
            }
            return null;
        });
        assertThat(schedules).as("one task for a thousand deadlines").hasValue(1);
    }

    @Test
    void armingAgainWithAShorterDelayExpiresAtTheEarlierDeadline() throws Exception {
        CompletableFuture<Long> firedAt = new CompletableFuture<>();
        LazyTimer timer = new LazyTimer(loop, () -> firedAt.complete(System.nanoTime()));
        long armed = onLoop(() -> {
            timer.arm(TimeUnit.SECONDS.toNanos(60));
            timer.arm(TimeUnit.MILLISECONDS.toNanos(20));
            return System.nanoTime();
        });
        assertThat(firedAt.get(10, TimeUnit.SECONDS) - armed).as("long before the first deadline")
                .isLessThan(TimeUnit.SECONDS.toNanos(30));
    }

    @Test
    void aDisarmedOrStoppedTimerNeverExpires() throws Exception {
        AtomicInteger fired = new AtomicInteger();
        LazyTimer disarmed = new LazyTimer(loop, fired::incrementAndGet);
        LazyTimer stopped = new LazyTimer(loop, fired::incrementAndGet);
        onLoop(() -> {
            disarmed.arm(TimeUnit.MILLISECONDS.toNanos(30));
            disarmed.disarm();
            stopped.arm(TimeUnit.MILLISECONDS.toNanos(30));
            stopped.stop();
            return null;
        });
        afterOnLoop(150);
        assertThat(fired).hasValue(0);
    }

    @Test
    void aTimerArmedAgainAfterDisarmingExpires() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        LazyTimer timer = new LazyTimer(loop, done::countDown);
        onLoop(() -> {
            timer.arm(TimeUnit.MILLISECONDS.toNanos(30));
            timer.disarm();
            timer.arm(TimeUnit.MILLISECONDS.toNanos(60));
            return null;
        });
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    }

    private <T> T onLoop(java.util.concurrent.Callable<T> job) throws Exception {
        return loop.submit(job).get(10, TimeUnit.SECONDS);
    }

    /** Returns once a task scheduled {@code millis} from now has run on the loop (so earlier deadlines passed). */
    private void afterOnLoop(long millis) throws Exception {
        loop.schedule(() -> { }, millis, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS);
    }
}
