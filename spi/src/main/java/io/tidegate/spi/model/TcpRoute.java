package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Set;

/**
 * A route for a {@code tcp} or {@code tls-passthrough} listener: bytes are proxied to a cluster,
 * chosen by SNI for passthrough TLS. First match in order wins, as for {@link Route}.
 *
 * @param name unique within the fragment
 * @param listeners listener names; empty means every tcp and tls-passthrough listener
 * @param sniHosts SNI patterns ({@code *.example.com} allowed); empty means any (and no SNI)
 * @param clusters destinations by weight
 * @param idleTimeout closes the tunnel after this long without bytes; null: kernel default
 * @param provenance the source object
 */
public record TcpRoute(String name, Set<String> listeners, List<String> sniHosts, List<WeightedCluster> clusters,
                       java.time.Duration idleTimeout, Provenance provenance) {

    public TcpRoute {
        requireNonNull(name, "name");
        listeners = Set.copyOf(listeners);
        sniHosts = List.copyOf(sniHosts);
        clusters = List.copyOf(clusters);
        if (clusters.isEmpty()) {
            throw new IllegalArgumentException("clusters: empty (expected: at least one)");
        }
        requireNonNull(provenance, "provenance");
    }
}
