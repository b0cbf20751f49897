package io.tidegate.plugins.istio;

import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.Provenance;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Gateway server admitted by the selector, with the listeners its port maps to.
 *
 * @param gateway {@code namespace/name} of the Gateway, or {@code mesh}
 * @param hosts the server's {@code hosts} ({@code namespace/host} form kept)
 * @param listeners the listeners it binds (of a protocol its kind fits)
 * @param port the server's port number (0 for mesh)
 * @param kind what it carries
 * @param provenance the Gateway and the server's field
 */
record GatewayServer(String gateway, List<String> hosts, Set<String> listeners, int port, Kind kind,
                     Provenance provenance) {

    /** What a Gateway server carries, and so which listeners and VirtualService rules it binds. */
    enum Kind {
        /** HTTP, HTTPS, HTTP2, GRPC, GRPC-WEB: {@code http} rules on {@code http}/{@code https} listeners. */
        HTTP(ListenerProtocol.HTTP, ListenerProtocol.HTTPS),
        /** TCP, MONGO, MYSQL, REDIS: {@code tcp} rules on {@code tcp} listeners. */
        TCP(ListenerProtocol.TCP),
        /** TLS or HTTPS with {@code tls.mode: PASSTHROUGH}: {@code tls} rules on {@code tls-passthrough} listeners. */
        TLS(ListenerProtocol.TLS_PASSTHROUGH),
        /** {@code tls.mode: AUTO_PASSTHROUGH}: no VirtualService; SNI {@code outbound_.<port>_.<subset>_.<host>}. */
        AUTO_PASSTHROUGH(ListenerProtocol.TLS_PASSTHROUGH);

        final Set<ListenerProtocol> listenerProtocols;

        Kind(ListenerProtocol... protocols) {
            this.listenerProtocols = Set.of(protocols);
        }
    }

    /** The bound servers of one kind that a match's {@code gateways} keep (all when it names none). */
    static List<GatewayServer> keptBy(Node match, Map<String, List<GatewayServer>> bound, Kind kind) {
        List<String> only = match.get("gateways").strings();
        List<GatewayServer> out = new ArrayList<>();
        bound.forEach((ref, servers) -> {
            if (only.isEmpty() || only.contains(ref) || only.contains(ref.substring(ref.indexOf('/') + 1))) {
                servers.stream().filter(s -> s.kind() == kind).forEach(out::add);
            }
        });
        return out;
    }

    /** Matches on mesh workload identity, which a gateway cannot see, reject the match. */
    static void rejectWorkloadMatches(Node match) {
        for (String k : List.of("sourceLabels", "sourceNamespace")) {
            if (match.has(k)) {
                throw match.get(k).error(k + " selects mesh workloads, which a gateway cannot see");
            }
        }
    }
}
