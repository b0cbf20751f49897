package io.tidegate.kernel.engine;

import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.tidegate.kernel.metrics.MetricsRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Upstream connection gauges by cluster: connections open, and those idle in the pools. Open connections
 * are counted when they connect and when they close (a {@link LongAdder} per cluster). The idle count is
 * asked of each event loop's pool at scrape time, on that loop, so pools stay lock-free and the request
 * path pays nothing; the scraping (admin) thread waits for the answers, a second at most.
 */
final class UpstreamGauges {

    private static final long SCRAPE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ConcurrentHashMap<String, LongAdder> open = new ConcurrentHashMap<>();
    private final EventLoopGroup loops;

    UpstreamGauges(MetricsRegistry registry, EventLoopGroup loops) {
        this.loops = loops;
        registry.gauges("tidegate_upstream_connections_active", "Upstream connections open, by cluster.",
                new String[] {"cluster"}, this::openByCluster);
        registry.gauges("tidegate_upstream_connections_idle",
                "Upstream connections idle in the keep-alive pools, by cluster.", new String[] {"cluster"},
                this::idleByCluster);
    }

    /** Counts the connection while it is open, once it connected. */
    void track(ChannelFuture connecting, String cluster) {
        connecting.addListener(f -> {
            if (f.isSuccess()) {
                LongAdder count = open.computeIfAbsent(cluster, k -> new LongAdder());
                count.increment();
                connecting.channel().closeFuture().addListener(closed -> count.decrement());
            }
        });
    }

    private Map<List<String>, Long> openByCluster() {
        Map<List<String>, Long> out = new HashMap<>();
        open.forEach((cluster, count) -> out.put(List.of(cluster), count.sum()));
        return out;
    }

    private Map<List<String>, Long> idleByCluster() {
        List<Future<Map<String, Integer>>> answers = new ArrayList<>();
        for (EventExecutor loop : loops) {
            try {
                answers.add(loop.submit(() -> UpstreamPool.current().idleByCluster()));
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                return Map.of();
            }
        }
        Map<List<String>, Long> out = new HashMap<>();
        open.keySet().forEach(cluster -> out.put(List.of(cluster), 0L)); // a cluster with none idle shows 0
        long deadline = System.nanoTime() + SCRAPE_WAIT_NANOS;
        for (Future<Map<String, Integer>> answer : answers) {
            if (!answer.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                    || !answer.isSuccess()) {
                continue; // a loop too busy to answer in time: its pool is left out of this scrape
            }
            answer.getNow().forEach((cluster, n) -> out.merge(List.of(cluster), (long) n, Long::sum));
        }
        return out;
    }
}
