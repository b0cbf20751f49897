package io.tidegate.spi.model;

import java.util.List;

/**
 * The whole current state of one source: every route, cluster and certificate it contributes, and
 * what it has to say about the objects it read. A source publishes a new fragment whenever anything
 * it watches changes; the kernel drops fragments equal to the last one, so publishing too often is
 * cheap.
 *
 * <p>Objects the source rejected are <em>not</em> in the lists; they appear as
 * {@link Diagnostic.Severity#ERROR} diagnostics. A source that can keep the last good version of a
 * rejected object (e.g. a file that became invalid) should publish that version.
 *
 * @param routes HTTP routes, in precedence order
 * @param tcpRoutes TCP and TLS-passthrough routes, in precedence order
 * @param clusters clusters
 * @param certificates certificates for TLS listeners
 * @param diagnostics errors, warnings and notes about the source's objects
 */
public record Fragment(List<Route> routes, List<TcpRoute> tcpRoutes, List<Cluster> clusters,
                       List<Certificate> certificates, List<Diagnostic> diagnostics) {

    /** A fragment contributing nothing. */
    public static final Fragment EMPTY = new Fragment(List.of(), List.of(), List.of(), List.of(), List.of());

    public Fragment {
        routes = List.copyOf(routes);
        tcpRoutes = List.copyOf(tcpRoutes);
        clusters = List.copyOf(clusters);
        certificates = List.copyOf(certificates);
        diagnostics = List.copyOf(diagnostics);
    }

    /** Routes and clusters only. */
    public static Fragment of(List<Route> routes, List<Cluster> clusters) {
        return new Fragment(routes, List.of(), clusters, List.of(), List.of());
    }
}
