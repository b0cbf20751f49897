package io.tidegate.kernel.runtime;

import java.util.List;
import java.util.Map;

/**
 * The L4 part of a generation: a {@link L4Table} per {@code tcp} and {@code tls-passthrough} listener and
 * every TCP route some listener serves, in precedence order (for the admin API and the CLI).
 *
 * @param tables per L4 listener name
 * @param routes the served routes, once each
 */
public record L4Routes(Map<String, L4Table> tables, List<CompiledTcpRoute> routes) {

    public static final L4Routes NONE = new L4Routes(Map.of(), List.of());

    public L4Routes {
        tables = Map.copyOf(tables);
        routes = List.copyOf(routes);
    }

    /** The table of {@code listener}; an empty one when it has none. */
    public L4Table table(String listener) {
        L4Table t = tables.get(listener);
        return t != null ? t : L4Table.EMPTY;
    }
}
