package io.tidegate.plugins.kubernetes;

import io.tidegate.kernel.testing.PluginTestContext;
import java.nio.file.Path;

/** The kernel's plugin test context, with paths resolved against the test's install directory. */
final class TestContext extends PluginTestContext {

    TestContext(Path installDir) {
        super(installDir);
    }

    TestContext(Path installDir, java.util.List<io.tidegate.spi.model.Listener> listeners) {
        super(installDir, listeners);
    }
}
