package io.tidegate.plugins.auth;

import io.tidegate.kernel.testing.PluginTestContext;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

/**
 * The kernel's plugin test context with a clock the test moves by hand, so expiry and caches are
 * tested without waiting.
 */
final class TestContext extends PluginTestContext {

    /** Starts at the real time (tokens are signed with real timestamps), moves only when the test says. */
    final ManualClock clock = new ManualClock(Instant.now());

    TestContext(Path installDir) {
        super(installDir);
    }

    @Override
    public Clock clock() {
        return clock;
    }
}
