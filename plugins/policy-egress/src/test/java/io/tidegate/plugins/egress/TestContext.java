package io.tidegate.plugins.egress;

import io.tidegate.kernel.testing.PluginTestContext;
import io.tidegate.spi.model.Listener;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.ListenerRole;
import io.tidegate.spi.model.SocketAddress;
import java.nio.file.Path;
import java.util.List;

/** The kernel's plugin test context with the listeners of a typical egress setup. */
final class TestContext extends PluginTestContext {

    static final List<Listener> LISTENERS = List.of(
            new Listener("web", new SocketAddress("0.0.0.0", 8080), ListenerProtocol.HTTP, ListenerRole.INGRESS,
                    null, List.of()),
            new Listener("egress", new SocketAddress("127.0.0.1", 3128), ListenerProtocol.HTTP, ListenerRole.EGRESS,
                    null, List.of()),
            new Listener("passthrough", new SocketAddress("127.0.0.1", 8443), ListenerProtocol.TLS_PASSTHROUGH,
                    ListenerRole.EGRESS, null, List.of()));

    TestContext() {
        super(Path.of(""), LISTENERS);
    }
}
