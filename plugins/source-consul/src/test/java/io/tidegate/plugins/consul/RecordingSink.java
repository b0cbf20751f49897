package io.tidegate.plugins.consul;

import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.source.FragmentSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Stands for the kernel's reconciler: records every publish and unavailable call, in order, and lets a
 * test await one matching a condition (no sleeps).
 */
final class RecordingSink implements FragmentSink {

    private final List<Fragment> published = new ArrayList<>();
    private final List<String> unavailable = new ArrayList<>();

    @Override
    public synchronized void publish(Fragment fragment) {
        published.add(fragment);
        notifyAll();
    }

    @Override
    public synchronized void unavailable(String reason) {
        unavailable.add(reason);
        notifyAll();
    }

    synchronized List<Fragment> published() {
        return List.copyOf(published);
    }

    synchronized List<String> unavailable() {
        return List.copyOf(unavailable);
    }

    synchronized Fragment last() {
        return published.isEmpty() ? null : published.get(published.size() - 1);
    }

    /** Waits for a publish (after the first {@code after} ones) whose fragment satisfies {@code condition}. */
    synchronized Fragment awaitPublish(int after, Predicate<Fragment> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int i = after;
        while (true) {
            for (; i < published.size(); i++) {
                if (condition.test(published.get(i))) {
                    return published.get(i);
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no matching publish within " + timeout + "; published: " + published
                        + "; unavailable: " + unavailable);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /** Waits until some unavailable reason contains {@code text}. */
    synchronized String awaitUnavailable(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String r : unavailable) {
                if (r.contains(text)) {
                    return r;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no unavailable containing '" + text + "' within " + timeout + "; got: " + unavailable);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }
}
