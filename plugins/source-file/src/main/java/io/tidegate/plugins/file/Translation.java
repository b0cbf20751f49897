package io.tidegate.plugins.file;

import io.tidegate.spi.model.Certificate;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.TcpRoute;
import java.util.List;

/**
 * What a set of files amounts to: the objects accepted, in precedence order, and what was said about
 * the rejected ones.
 */
record Translation(List<Route> routes, List<Cluster> clusters, List<Certificate> certificates,
                   List<Diagnostic> diagnostics, List<TcpRoute> tcpRoutes) {

    Translation(List<Route> routes, List<Cluster> clusters, List<Diagnostic> diagnostics) {
        this(routes, clusters, List.of(), diagnostics);
    }

    Translation(List<Route> routes, List<Cluster> clusters, List<Certificate> certificates,
                List<Diagnostic> diagnostics) {
        this(routes, clusters, certificates, diagnostics, List.of());
    }

    Translation {
        tcpRoutes = List.copyOf(tcpRoutes);
        certificates = List.copyOf(certificates);
        routes = List.copyOf(routes);
        clusters = List.copyOf(clusters);
        diagnostics = List.copyOf(diagnostics);
    }
}
