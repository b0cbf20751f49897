package io.tidegate.plugins.istio;

import io.tidegate.kernel.testing.PluginTestContext;
import java.nio.file.Path;

/** The kernel's plugin test context, with paths resolved against the test's install directory. */
final class TestContext extends PluginTestContext {

    TestContext(Path installDir) {
        super(installDir);
    }
}
