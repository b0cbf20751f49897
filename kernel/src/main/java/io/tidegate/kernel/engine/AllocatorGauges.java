package io.tidegate.kernel.engine;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import io.netty.util.internal.PlatformDependent;
import io.tidegate.kernel.metrics.MetricsRegistry;
import java.util.List;
import java.util.Map;

/**
 * Netty memory gauges: direct memory Netty holds ({@code PlatformDependent}), and the memory of the
 * allocator the engine's channels use ({@link ByteBufAllocator#DEFAULT}: Netty 4.2's adaptive allocator, or
 * the pooled one with {@code -Dio.netty.allocator.type=pooled}, which adds its arena and cache gauges).
 */
final class AllocatorGauges {

    private AllocatorGauges() {
    }

    static void register(MetricsRegistry registry) {
        ByteBufAllocator allocator = ByteBufAllocator.DEFAULT;
        String kind = allocator instanceof PooledByteBufAllocator ? "pooled"
                : allocator.getClass().getSimpleName().replace("ByteBufAllocator", "").toLowerCase(java.util.Locale.ROOT);
        if (allocator instanceof ByteBufAllocatorMetricProvider provider) {
            ByteBufAllocatorMetric metric = provider.metric();
            registry.gauges("tidegate_netty_allocator_used_bytes",
                    "Memory held by the engine's buffer allocator, by allocator kind and memory (direct, heap).",
                    new String[] {"allocator", "memory"}, () -> Map.of(
                            List.of(kind, "direct"), metric.usedDirectMemory(),
                            List.of(kind, "heap"), metric.usedHeapMemory()));
        }
        if (allocator instanceof PooledByteBufAllocator pooled) {
            PooledByteBufAllocatorMetric metric = pooled.metric();
            registry.gauges("tidegate_netty_pooled_arenas", "Arenas of the pooled allocator, by memory.",
                    new String[] {"memory"}, () -> Map.of(List.of("direct"), metric.numDirectArenas(),
                            List.of("heap"), metric.numHeapArenas()));
            registry.gauges("tidegate_netty_pooled_active_allocations",
                    "Buffers allocated and not yet released from the pooled allocator's arenas, by memory.",
                    new String[] {"memory"}, () -> Map.of(List.of("direct"), active(metric.directArenas()),
                            List.of("heap"), active(metric.heapArenas())));
            registry.gauge("tidegate_netty_pooled_thread_local_caches",
                    "Thread-local caches of the pooled allocator.", metric::numThreadLocalCaches);
        }
        registry.gauge("tidegate_netty_direct_memory_bytes", "Direct memory used by Netty (PlatformDependent).",
                PlatformDependent::usedDirectMemory);
        registry.gauge("tidegate_netty_direct_memory_max_bytes", "The most direct memory Netty may use.",
                PlatformDependent::maxDirectMemory);
    }

    private static long active(List<PoolArenaMetric> arenas) {
        long n = 0;
        for (PoolArenaMetric arena : arenas) {
            n += arena.numActiveAllocations();
        }
        return n;
    }
}
