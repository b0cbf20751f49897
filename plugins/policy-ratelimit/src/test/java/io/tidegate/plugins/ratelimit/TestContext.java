package io.tidegate.plugins.ratelimit;

import io.tidegate.kernel.testing.PluginTestContext;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * The kernel's plugin test context with a clock the test moves by hand (buckets are tested without
 * sleeping) and counters the test can read; no listeners.
 */
final class TestContext extends PluginTestContext {

    final ManualClock clock = new ManualClock(Instant.ofEpochMilli(1_700_000_000_000L));

    TestContext() {
        super(Path.of(""), List.of());
    }

    @Override
    public Clock clock() {
        return clock;
    }
}
