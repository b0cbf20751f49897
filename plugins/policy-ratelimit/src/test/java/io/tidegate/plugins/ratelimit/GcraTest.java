package io.tidegate.plugins.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The local bucket, table-driven on a hand-moved clock: bursts, refill, retry-after, eviction. */
class GcraTest {

    /** One request: at {@code atMs} after the start, expect allowed or not, remaining, retry-after seconds. */
    record Step(long atMs, boolean allowed, long remaining, long retryAfterS, long resetS) {
    }

    record Case(String name, long count, long periodMs, long burst, List<Step> steps) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("10/min burst 10: ten pass, the 11th waits 6s", 10, 60_000, 10, List.of(
                        new Step(0, true, 9, 0, 6), new Step(0, true, 8, 0, 12), new Step(0, true, 7, 0, 18),
                        new Step(0, true, 6, 0, 24), new Step(0, true, 5, 0, 30), new Step(0, true, 4, 0, 36),
                        new Step(0, true, 3, 0, 42), new Step(0, true, 2, 0, 48), new Step(0, true, 1, 0, 54),
                        new Step(0, true, 0, 0, 60), new Step(0, false, 0, 6, 60), new Step(5_999, false, 0, 1, 55),
                        new Step(6_000, true, 0, 0, 60), new Step(6_000, false, 0, 6, 60))),
                new Case("1/s burst 1: exactly one per second", 1, 1000, 1, List.of(
                        new Step(0, true, 0, 0, 1), new Step(500, false, 0, 1, 1), new Step(1000, true, 0, 0, 1),
                        new Step(1999, false, 0, 1, 1), new Step(5000, true, 0, 0, 1))),
                new Case("10/s burst 3: a burst of three, then one per 100ms", 10, 1000, 3, List.of(
                        new Step(0, true, 2, 0, 1), new Step(0, true, 1, 0, 1), new Step(0, true, 0, 0, 1),
                        new Step(0, false, 0, 1, 1), new Step(100, true, 0, 0, 1), new Step(150, false, 0, 1, 1),
                        // idle long enough: the bucket is full again, no credit beyond the burst
                        new Step(10_000, true, 2, 0, 1), new Step(10_000, true, 1, 0, 1),
                        new Step(10_000, true, 0, 0, 1), new Step(10_000, false, 0, 1, 1))),
                new Case("100/s burst 200: twice the rate at once", 100, 1000, 200, List.of(
                        new Step(0, true, 199, 0, 1))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decisions(Case c) {
        Rate rate = new Rate(c.count(), java.time.Duration.ofMillis(c.periodMs()));
        long interval = rate.intervalNanos();
        LocalLimiter limiter = new LocalLimiter(interval, c.burst(), 100, Runnable::run);
        long start = 1_700_000_000_000L * 1_000_000L;
        int i = 0;
        for (Step s : c.steps()) {
            long outcome = limiter.acquire("k", start + s.atMs() * 1_000_000L);
            String step = "step " + i++ + " at " + s.atMs() + "ms";
            assertThat(Gcra.allowed(outcome)).as(step + " allowed").isEqualTo(s.allowed());
            assertThat(Gcra.remaining(outcome, interval, c.burst())).as(step + " remaining").isEqualTo(s.remaining());
            assertThat(Gcra.ceilSeconds(Gcra.retryAfterNanos(outcome))).as(step + " retry-after").isEqualTo(s.retryAfterS());
            assertThat(Gcra.ceilSeconds(Gcra.resetNanos(outcome, interval, c.burst()))).as(step + " reset").isEqualTo(s.resetS());
        }
    }

    @Test
    void keysAreIndependent() {
        LocalLimiter limiter = new LocalLimiter(1_000_000_000L, 1, 100, Runnable::run);
        assertThat(Gcra.allowed(limiter.acquire("a", 0))).isTrue();
        assertThat(Gcra.allowed(limiter.acquire("a", 0))).isFalse();
        assertThat(Gcra.allowed(limiter.acquire("b", 0))).isTrue();
    }

    @Test
    void aFloodOfDistinctKeysIsBoundedAndSharesTheOverflowBucket() {
        java.util.List<Runnable> sweeps = new java.util.ArrayList<>();
        LocalLimiter limiter = new LocalLimiter(1_000_000_000L, 2, 3, sweeps::add);
        long now = 0;
        for (String k : List.of("a", "b", "c")) {
            assertThat(Gcra.allowed(limiter.acquire(k, now))).isTrue();
        }
        assertThat(limiter.size()).isEqualTo(3);
        // Full: new keys go to one shared bucket (burst 2), and a sweep is scheduled once.
        assertThat(Gcra.allowed(limiter.acquire("d", now))).isTrue();
        assertThat(Gcra.allowed(limiter.acquire("e", now))).isTrue();
        assertThat(Gcra.allowed(limiter.acquire("f", now))).isFalse();
        assertThat(limiter.size()).isEqualTo(3);
        assertThat(sweeps).hasSize(1);
        // The sweep forgets only full buckets: none yet (each was used 1s of credit).
        assertThat(limiter.sweep(now)).isZero();
        // Once idle for the bucket's span, every bucket is full again and is forgotten.
        assertThat(limiter.sweep(now + 1_000_000_000L)).isEqualTo(3);
        assertThat(limiter.size()).isZero();
        assertThat(Gcra.allowed(limiter.acquire("f", now + 1_000_000_000L))).isTrue();
    }

    @Test
    void concurrentRequestsNeverPassMoreThanTheBurst() throws Exception {
        LocalLimiter limiter = new LocalLimiter(1_000_000_000L, 1000, 100, Runnable::run);
        java.util.concurrent.atomic.AtomicInteger passed = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<Thread> threads = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 5000; i++) {
                    if (Gcra.allowed(limiter.acquire("k", 0))) {
                        passed.incrementAndGet();
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        go.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(passed.get()).isEqualTo(1000);
    }
}
