package io.tidegate.plugins.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.plugins.consul.ConsulApi.Indexed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Consul's blocking-query rules, step by step: a scripted query (standing for the agent's answers, one
 * per call) records the index each call asks with.
 */
class BlockingWatchTest {

    /** One scripted answer: an index and a value, or an error. */
    private record Step(long index, String value, RuntimeException error) { }

    private final BlockingQueue<Step> script = new LinkedBlockingQueue<>();
    private final BlockingQueue<Long> asked = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> delivered = new LinkedBlockingQueue<>();
    private final List<Integer> failures = new ArrayList<>();
    private BlockingWatch<String> watch;

    @AfterEach
    void stop() {
        watch.close();
    }

    private void start() {
        watch = new BlockingWatch<>("test", (index, wait) -> {
            asked.add(index);
            Step s = script.take();
            if (s.error() != null) {
                throw s.error();
            }
            return new Indexed<>(s.value(), s.index());
        }, new BlockingWatch.Listener<>() {
            @Override
            public void changed(String value) {
                delivered.add(value);
            }

            @Override
            public void failed(Exception error, int consecutive) {
                synchronized (failures) {
                    failures.add(consecutive);
                }
            }
        }, Duration.ofSeconds(1), Duration.ZERO, Duration.ofMillis(10), Duration.ofMillis(40)).start("test-watch");
    }

    private long nextAsked() throws InterruptedException {
        Long i = asked.poll(5, TimeUnit.SECONDS);
        assertThat(i).as("a query").isNotNull();
        return i;
    }

    private String nextDelivered() throws InterruptedException {
        return delivered.poll(5, TimeUnit.SECONDS);
    }

    @Test
    void theRules() throws Exception {
        start();
        assertThat(nextAsked()).as("first: the current state").isZero();
        script.add(new Step(100, "a", null));
        assertThat(nextDelivered()).isEqualTo("a");

        assertThat(nextAsked()).as("then block on the index").isEqualTo(100);
        script.add(new Step(100, "a", null)); // the wait expired: same index
        assertThat(nextAsked()).isEqualTo(100);
        assertThat(delivered).as("same index is no change").isEmpty();

        script.add(new Step(120, "b", null));
        assertThat(nextDelivered()).isEqualTo("b");
        assertThat(nextAsked()).isEqualTo(120);

        script.add(new Step(50, "c", null)); // went backwards
        assertThat(nextDelivered()).isEqualTo("c");
        assertThat(nextAsked()).as("reset to 0 after going backwards").isZero();

        script.add(new Step(0, "c", null)); // the index-0 bug
        assertThat(nextDelivered()).isEqualTo("c");
        assertThat(nextAsked()).as("never block below 1").isEqualTo(1);

        script.add(new Step(60, "d", null));
        assertThat(nextDelivered()).isEqualTo("d");
        assertThat(nextAsked()).isEqualTo(60);

        script.add(new Step(0, null, new IllegalStateException("500")));
        script.add(new Step(0, null, new IllegalStateException("500")));
        assertThat(nextAsked()).as("after an error, ask for the current state").isZero();
        assertThat(nextAsked()).isZero();
        script.add(new Step(61, "e", null));
        assertThat(nextDelivered()).isEqualTo("e");
        synchronized (failures) {
            assertThat(failures).containsExactly(1, 2);
        }
    }

    @Test
    void backoffDoublesUpToTheMaximumWithJitter() {
        start();
        assertThat(watch.backoff(1)).isBetween(8_000_000L, 12_000_000L);
        assertThat(watch.backoff(2)).isBetween(16_000_000L, 24_000_000L);
        assertThat(watch.backoff(3)).isBetween(32_000_000L, 48_000_000L);
        assertThat(watch.backoff(10)).isBetween(32_000_000L, 48_000_000L);
        assertThat(watch.backoff(1000)).isBetween(32_000_000L, 48_000_000L);
    }
}
