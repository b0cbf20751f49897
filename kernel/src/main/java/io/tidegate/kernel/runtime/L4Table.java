package io.tidegate.kernel.runtime;

import io.tidegate.kernel.routing.SniIndex;
import io.tidegate.spi.model.TcpRoute;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The TCP routes of one {@code tcp} or {@code tls-passthrough} listener, in precedence order, indexed by
 * SNI ({@link SniIndex}): first match wins. A {@code tcp} listener sees no SNI, so only its routes without
 * {@code sniHosts} can match there.
 */
public final class L4Table {

    /** A listener with no route: every connection is closed. */
    public static final L4Table EMPTY = new L4Table(List.of());

    private final SniIndex<CompiledTcpRoute> index;
    private final Set<TcpRoute> specs;

    L4Table(List<CompiledTcpRoute> routes) {
        this.index = SniIndex.build(routes, r -> r.route().sniHosts());
        this.specs = routes.stream().map(CompiledTcpRoute::route).collect(Collectors.toUnmodifiableSet());
    }

    /** The route for a connection that sent {@code serverName} (null: no SNI, or a tcp listener), or null. */
    public CompiledTcpRoute match(String serverName) {
        return index.match(serverName);
    }

    /** Whether this table still serves {@code route} exactly as it was (a swap keeps its connections). */
    public boolean serves(TcpRoute route) {
        return specs.contains(route);
    }

    /** The routes, in precedence order. */
    public List<CompiledTcpRoute> routes() {
        return index.entries();
    }
}
