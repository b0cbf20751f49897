package io.tidegate.plugins.istio;

import static io.tidegate.plugins.istio.IstioObjects.ns;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.tidegate.spi.model.Certificate;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.TcpRoute;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What one {@link IstioTranslator#translate} call builds up as it reads the objects: the clusters, servers,
 * routes and certificates so far, and the diagnostics. Lives for that call only.
 */
final class Translation {

    final String source;
    final Set<Diagnostic> diagnostics = new LinkedHashSet<>(); // the same report for several clusters once
    final Map<String, BaseCluster> base = new TreeMap<>();           // "host:port"
    final Map<String, List<BaseCluster>> seHosts = new LinkedHashMap<>(); // host -> its ports
    final Map<String, Cluster> clusters = new TreeMap<>();
    final Map<String, Certificate> certificates = new TreeMap<>();
    final Map<String, List<GatewayServer>> servers = new LinkedHashMap<>(); // "ns/name" -> servers
    final List<Route> redirects = new ArrayList<>();
    final List<Route> routes = new ArrayList<>();
    final List<TcpRoute> tcpRoutes = new ArrayList<>();
    final Map<String, Duration> tcpIdleTimeouts = new LinkedHashMap<>(); // cluster -> DR tcp.idleTimeout
    final TcpRules.Out tcpOut = new TcpRules.Out(diagnostics, tcpRoutes, tcpIdleTimeouts);
    final Map<String, Secret> secrets = new LinkedHashMap<>();
    final Set<String> routeNames = new LinkedHashSet<>();
    final Set<String> referenced = new LinkedHashSet<>();

    /** @param source the source name, used in provenance */
    Translation(String source) {
        this.source = source;
    }

    /** Where a diagnostic or a translated piece comes from: {@code Kind namespace/name} of this source. */
    Provenance prov(HasMetadata o) {
        return Provenance.of(source, o.getKind() + " " + ns(o) + "/" + o.getMetadata().getName());
    }
}
