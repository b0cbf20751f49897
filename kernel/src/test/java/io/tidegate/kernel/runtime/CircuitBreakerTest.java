package io.tidegate.kernel.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.model.ConnectionLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The breaker's counting and its wait queue, without an engine. */
class CircuitBreakerTest {

    /** Runs wakes on the calling thread and records them. */
    static final class Recording extends CircuitBreaker.Waiter {
        final List<String> log;
        final String name;

        Recording(List<String> log, String name, Object key) {
            this(Runnable::run, log, name, key);
        }

        Recording(java.util.concurrent.Executor loop, List<String> log, String name, Object key) {
            super(loop, key);
            this.log = log;
            this.name = name;
        }

        @Override
        protected void onWake() {
            log.add(name);
        }
    }

    @Test
    void noLimitMeansNoBreaker() {
        assertThat(CircuitBreaker.of(ConnectionLimits.UNLIMITED)).isNull();
        assertThat(CircuitBreaker.of(new ConnectionLimits(0, 0, 0, 0, 5))).isNull(); // per-connection is no breaker
        assertThat(CircuitBreaker.of(new ConnectionLimits(-1, -1, -1, -1, 0))).isNull(); // negative: unlimited
    }

    @Test
    void eachLimitAdmitsUpToItsValueAndTakesBackWhatEnds() {
        CircuitBreaker b = CircuitBreaker.of(new ConnectionLimits(1, 0, 2, 1, 0));
        assertThat(b.tryStartRequest()).isTrue();
        assertThat(b.tryStartRequest()).isTrue();
        assertThat(b.tryStartRequest()).isFalse();
        b.requestEnded();
        assertThat(b.tryStartRequest()).isTrue();
        assertThat(b.activeRequests()).isEqualTo(2);

        assertThat(b.tryStartRetry()).isTrue();
        assertThat(b.tryStartRetry()).isFalse();
        b.retryEnded();
        assertThat(b.tryStartRetry()).isTrue();

        assertThat(b.tryOpenConnection()).isTrue();
        assertThat(b.tryOpenConnection()).isFalse();
        assertThat(b.openConnections()).isEqualTo(1);
    }

    @Test
    void aClosedConnectionWakesTheOldestWaiterAndPendingOverflowsAtItsLimit() {
        CircuitBreaker b = CircuitBreaker.of(new ConnectionLimits(1, 2, 0, 0, 0));
        List<String> woken = new ArrayList<>();
        assertThat(b.tryOpenConnection()).isTrue();
        Recording first = new Recording(woken, "first", "k");
        Recording second = new Recording(woken, "second", "k");
        assertThat(b.await(first)).isTrue();
        assertThat(b.await(second)).isTrue();
        assertThat(b.await(new Recording(woken, "third", "k"))).isFalse(); // maxPendingRequests = 2
        assertThat(b.pendingRequests()).isEqualTo(2);

        b.connectionClosed();
        assertThat(woken).containsExactly("first");
        assertThat(b.pendingRequests()).isEqualTo(1);
        assertThat(b.tryOpenConnection()).isTrue(); // the woken one takes the freed place
    }

    @Test
    void aCancelledWaiterIsSkippedAndCannotBeWokenOrClaimed() {
        CircuitBreaker b = CircuitBreaker.of(new ConnectionLimits(1, 0, 0, 0, 0));
        List<String> woken = new ArrayList<>();
        assertThat(b.tryOpenConnection()).isTrue();
        Recording gone = new Recording(woken, "gone", "k");
        Recording next = new Recording(woken, "next", "k");
        b.await(gone);
        b.await(next);
        assertThat(gone.cancel()).isTrue();
        assertThat(gone.cancel()).isFalse();
        b.connectionClosed();
        assertThat(woken).containsExactly("next");
        assertThat(b.pendingRequests()).isZero();
        assertThat(b.hasWaiters()).isFalse();
    }

    @Test
    void anIdleConnectionGoesToAWaiterOfTheSameExecutorAndKeyOnly() {
        CircuitBreaker b = CircuitBreaker.of(new ConnectionLimits(1, 0, 0, 0, 0));
        assertThat(b.tryOpenConnection()).isTrue();
        List<String> log = new ArrayList<>();
        java.util.concurrent.Executor mine = Runnable::run;
        java.util.concurrent.Executor otherLoop = Runnable::run;
        Recording elsewhere = new Recording(otherLoop, log, "elsewhere", "k");
        Recording otherKey = new Recording(mine, log, "otherKey", "k2");
        Recording match = new Recording(mine, log, "match", "k");
        b.await(elsewhere);
        b.await(otherKey);
        b.await(match);
        assertThat(b.takeWaiter(mine, "k")).isSameAs(match);
        assertThat(b.takeWaiter(mine, "k")).isNull();
        assertThat(b.pendingRequests()).isEqualTo(2);
        assertThat(match.cancel()).isFalse(); // claimed already
        assertThat(log).isEmpty(); // a claim is no wake
    }

    @Test
    void aWaiterQueuedJustAfterAConnectionClosedIsWokenAtOnce() {
        CircuitBreaker b = CircuitBreaker.of(new ConnectionLimits(1, 0, 0, 0, 0));
        List<String> woken = new ArrayList<>();
        assertThat(b.tryOpenConnection()).isTrue();
        b.connectionClosed(); // between the caller's failed tryOpenConnection and its await
        assertThat(b.await(new Recording(woken, "late", "k"))).isTrue();
        assertThat(woken).containsExactly("late");
        assertThat(b.pendingRequests()).isZero();
    }

    @Test
    void limitsHoldUnderConcurrentCallers() throws Exception {
        CircuitBreaker b = CircuitBreaker.of(new ConnectionLimits(0, 0, 3, 0, 0));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(8);
        for (int t = 0; t < 8; t++) {
            pool.execute(() -> {
                for (int i = 0; i < 20_000; i++) {
                    if (b.tryStartRequest()) {
                        peak.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        inside.decrementAndGet();
                        b.requestEnded();
                    }
                }
                done.countDown();
            });
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        pool.shutdown();
        assertThat(peak.get()).isLessThanOrEqualTo(3);
        assertThat(b.activeRequests()).isZero();
    }
}
