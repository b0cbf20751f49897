package io.tidegate.plugins.istio;

import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.WeightedCluster;
import java.util.List;

/**
 * The resolved {@code route[].destination}s of a VirtualService rule.
 *
 * @param clusters the weighted clusters that resolved
 * @param unresolved whether a destination did not resolve (reported)
 * @param toSelf whether the destinations are this gateway ({@code selfHosts}): the implicit mesh hop
 */
record RouteDestinations(List<WeightedCluster> clusters, boolean unresolved, boolean toSelf) {

    RouteDestinations {
        clusters = List.copyOf(clusters);
    }

    /** Resolves a rule's destinations, reporting in {@code notes} the ones that do not resolve. */
    @FunctionalInterface
    interface Resolver {
        RouteDestinations resolve(Node rule, Provenance where, List<Diagnostic> notes, String consequence);
    }
}
