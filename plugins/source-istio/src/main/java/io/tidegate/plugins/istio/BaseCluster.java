package io.tidegate.plugins.istio;

import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Provenance;
import java.util.List;

/**
 * One cluster being built: its endpoints, from a ServiceEntry or a Kubernetes Service, before
 * DestinationRules apply.
 */
record BaseCluster(String host, int port, IstioProtocol protocol, List<Endpoint> endpoints,
                   Cluster.Resolution resolution, Provenance provenance) {
}
