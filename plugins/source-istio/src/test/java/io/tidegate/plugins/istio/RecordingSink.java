package io.tidegate.plugins.istio;

import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.source.FragmentSink;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A sink that keeps what a source told it, for tests to await (never to sleep on). */
final class RecordingSink implements FragmentSink {

    final BlockingQueue<Fragment> fragments = new LinkedBlockingQueue<>();
    final BlockingQueue<String> unavailable = new LinkedBlockingQueue<>();
    volatile Fragment last;

    @Override
    public void publish(Fragment fragment) {
        last = fragment;
        fragments.add(fragment);
    }

    @Override
    public void unavailable(String reason) {
        unavailable.add(reason);
    }

    /** The first fragment published from now on that satisfies {@code condition}. */
    Fragment await(Predicate<Fragment> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Fragment f = left <= 0 ? null : fragments.poll(left, TimeUnit.NANOSECONDS);
            if (f == null) {
                throw new AssertionError("no fragment satisfying the condition within " + timeout + "; last: "
                        + (last == null ? "none" : Dump.of(last)));
            }
            if (condition.test(f)) {
                return f;
            }
        }
    }

    String awaitUnavailable(Duration timeout) throws InterruptedException {
        String reason = unavailable.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (reason == null) {
            throw new AssertionError("source did not report unavailable within " + timeout);
        }
        return reason;
    }

    static boolean hasRoute(Fragment f, String name) {
        return f.routes().stream().anyMatch(r -> r.name().equals(name));
    }
}
