package io.tidegate.plugins.auth;

import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.policy.Decision;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A small bounded executor owned by one policy, for CPU-heavy checks (bcrypt, ECDSA) that must not
 * run on an event loop. Idle threads exit; a full queue answers 503 with {@code Retry-After: 1}
 * rather than queueing without bound.
 */
final class Workers {

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final ThreadPoolExecutor pool;
    private final CompletionStage<Decision> busy;

    Workers(String name, int threads, int queue) {
        pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
            Thread t = new Thread(r, "tidegate-" + name + "-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        busy = CompletableFuture.completedFuture(new Decision.Deny(503, List.of(new HeaderValue("retry-after", "1")),
                "authentication busy", name + ": check queue full (" + queue + ")"));
    }

    CompletionStage<Decision> run(Supplier<Decision> work) {
        try {
            return CompletableFuture.supplyAsync(work, pool);
        } catch (RejectedExecutionException e) {
            return busy;
        }
    }

    void close() {
        pool.shutdown();
    }
}
