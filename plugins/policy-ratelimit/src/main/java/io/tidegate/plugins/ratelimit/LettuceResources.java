package io.tidegate.plugins.ratelimit;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Lettuce's threads (two I/O, two computation: Lettuce's minimum), shared by every Redis-backed
 * binding of this plugin and shut down when the last one closes. Never the gateway's event loops.
 */
final class LettuceResources {

    private static ClientResources resources;
    private static int users;

    private LettuceResources() {
    }

    static synchronized ClientResources acquire() {
        if (users++ == 0) {
            resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
                    // Reconnect soon after an outage ends: at most 1s between attempts (Lettuce's default is 30s).
                    .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2,
                            TimeUnit.MILLISECONDS))
                    .build();
        }
        return resources;
    }

    static synchronized void release() {
        if (--users == 0) {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            resources = null;
        }
    }
}
