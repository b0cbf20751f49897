package io.tidegate.plugins.kubernetes;

import io.tidegate.spi.model.Listener;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.ListenerRole;
import io.tidegate.spi.model.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/** tidegate.yaml listeners for translation tests. */
final class TestListeners {

    private TestListeners() {
    }

    /** {@code web} (http, 8080), and {@code websecure} (https, 8443) when {@code https}. */
    static List<Listener> of(boolean https) {
        return https ? of("https") : of("");
    }

    /**
     * {@code web} (http, 8080) and, per word of {@code kinds}: {@code https} websecure (8443), {@code tcp}
     * postgres (tcp, 5432), {@code tls} passthrough (tls-passthrough, 443).
     */
    static List<Listener> of(String kinds) {
        List<Listener> out = new ArrayList<>();
        out.add(listener("web", ListenerProtocol.HTTP, 8080));
        for (String k : kinds.trim().split("[\\s,]+")) {
            switch (k) {
                case "https" -> out.add(listener("websecure", ListenerProtocol.HTTPS, 8443));
                case "tcp" -> out.add(listener("postgres", ListenerProtocol.TCP, 5432));
                case "tls" -> out.add(listener("passthrough", ListenerProtocol.TLS_PASSTHROUGH, 443));
                default -> { }
            }
        }
        return out;
    }

    static Listener listener(String name, ListenerProtocol protocol, int port) {
        return new Listener(name, new SocketAddress("127.0.0.1", port), protocol, ListenerRole.INGRESS, null,
                List.of());
    }
}
