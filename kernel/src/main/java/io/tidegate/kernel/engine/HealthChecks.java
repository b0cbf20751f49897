package io.tidegate.kernel.engine;

import io.netty.channel.EventLoopGroup;
import io.tidegate.kernel.runtime.ClusterRuntime;
import io.tidegate.kernel.runtime.CompiledConfig;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Keeps one {@link HealthChecker} running per live cluster that asks for active checks. A cluster
 * unchanged by a config swap keeps its runtime, and so its checker and the results so far; a changed
 * or removed one has its checker stopped.
 */
final class HealthChecks implements AutoCloseable {

    private final UpstreamConnector connector;
    private final EventLoopGroup loops;
    private final EngineMetrics metrics;
    private final Map<ClusterRuntime, HealthChecker> running = new IdentityHashMap<>();
    private boolean closed;

    HealthChecks(UpstreamConnector connector, EventLoopGroup loops, EngineMetrics metrics) {
        this.connector = connector;
        this.loops = loops;
        this.metrics = metrics;
    }

    synchronized void update(CompiledConfig config) {
        if (closed) {
            return;
        }
        Map<ClusterRuntime, HealthChecker> next = new IdentityHashMap<>();
        for (ClusterRuntime cluster : config.clusters().values()) {
            if (cluster.healthCheck() == null || cluster.endpointCount() == 0) {
                continue;
            }
            HealthChecker checker = running.remove(cluster);
            if (checker == null) {
                checker = new HealthChecker(cluster, connector, loops, metrics);
                checker.start();
            }
            next.put(cluster, checker);
        }
        running.values().forEach(HealthChecker::stop);
        running.clear();
        running.putAll(next);
    }

    @Override
    public synchronized void close() {
        closed = true;
        running.values().forEach(HealthChecker::stop);
        running.clear();
    }
}
