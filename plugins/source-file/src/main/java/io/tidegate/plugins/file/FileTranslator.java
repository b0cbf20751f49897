package io.tidegate.plugins.file;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigLocation;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Certificate;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.TcpRoute;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Turns parsed files into routes, clusters and diagnostics: a pure function of its input, so every rule
 * of the format is testable from YAML fixtures without a file system or threads.
 *
 * <p>Order is precedence: files in the order given, then documents, then list order. A bad route or
 * cluster is rejected alone (reported, left out); the rest still applies. Names are unique across all
 * files of the source: the first accepted object of a name wins and later ones are rejected, naming
 * both places. A forward to a cluster this source does not define is not an error: another source may
 * define it, and the kernel checks references across sources.
 */
final class FileTranslator {

    private final String source;
    private final RouteParser routes;
    private final TcpRouteParser tcpRoutes;
    private final FileRefs refs;

    /**
     * @param source the source's name, used as provenance {@code source}
     * @param listeners the gateway's listeners by name, which routes may refer to
     */
    FileTranslator(String source, Map<String, ListenerProtocol> listeners) {
        this(source, listeners, FileRefs.FILES);
    }

    /** @param files reads the PEM files certificates and cluster {@code tls} refer to */
    FileTranslator(String source, Map<String, ListenerProtocol> listeners, FileRefs files) {
        this.source = requireNonNull(source, "source");
        this.routes = new RouteParser(listeners);
        this.tcpRoutes = new TcpRouteParser(listeners);
        this.refs = requireNonNull(files, "files");
    }

    /**
     * Checks what must hold for a file to be used at all: every document is a map with only
     * {@code clusters}, {@code routes}, {@code tcpRoutes} and {@code certificates}, each a list. A file failing this is a whole-file error (its
     * last good version stays in use), unlike a bad item, which is rejected alone.
     *
     * @throws ConfigException naming the file, line and key
     */
    static void checkShape(List<ConfigNode> documents) {
        for (ConfigNode document : documents) {
            if (!document.isMap()) {
                throw document.error("the document is a " + document.kind().name().toLowerCase(java.util.Locale.ROOT)
                        + " (expected: a map with clusters: and routes:)");
            }
            document.requireOnlyKeys("clusters", "routes", "tcpRoutes", "certificates");
            document.getOrNull("clusters").items();
            document.getOrNull("routes").items();
            document.getOrNull("tcpRoutes").items();
            document.getOrNull("certificates").items();
        }
    }

    Translation translate(List<SourceFile> files) {
        List<Route> outRoutes = new ArrayList<>();
        List<TcpRoute> outTcpRoutes = new ArrayList<>();
        List<Cluster> outClusters = new ArrayList<>();
        List<Certificate> outCertificates = new ArrayList<>();
        List<Diagnostic> diagnostics = new ArrayList<>();
        Map<String, ConfigNode> routeNames = new HashMap<>();
        Map<String, ConfigNode> tcpRouteNames = new HashMap<>();
        Map<String, ConfigNode> clusterNames = new HashMap<>();
        Map<String, ConfigNode> certificateNames = new HashMap<>();
        for (SourceFile file : files) {
            try {
                checkShape(file.documents());
            } catch (ConfigException e) {
                diagnostics.add(Diagnostic.error(Provenance.of(source, file.origin()), e.path(), e.getMessage()));
                continue;
            }
            List<ConfigNode> documents = file.documents();
            for (int d = 0; d < documents.size(); d++) {
                String rulePrefix = d == 0 ? "" : "documents[" + d + "].";
                ConfigNode document = documents.get(d);
                collect(file, rulePrefix, document.getOrNull("clusters"), "cluster", clusterNames, diagnostics,
                        (node, at) -> ClusterParser.parse(node, at, file.origin(), refs), Cluster::name, outClusters);
                collect(file, rulePrefix, document.getOrNull("certificates"), "certificate", certificateNames,
                        diagnostics, (node, at) -> CertificateParser.parse(node, at, file.origin(), refs),
                        Certificate::name, outCertificates);
                collect(file, rulePrefix, document.getOrNull("routes"), "route", routeNames, diagnostics,
                        routes::parse, Route::name, outRoutes);
                collect(file, rulePrefix, document.getOrNull("tcpRoutes"), "tcp route", tcpRouteNames, diagnostics,
                        tcpRoutes::parse, TcpRoute::name, outTcpRoutes);
            }
        }
        return new Translation(outRoutes, outClusters, outCertificates, diagnostics, outTcpRoutes);
    }

    private <T> void collect(SourceFile file, String rulePrefix, ConfigNode list, String kind,
                             Map<String, ConfigNode> names, List<Diagnostic> diagnostics,
                             BiFunction<ConfigNode, Provenance, T> parser,
                             java.util.function.Function<T, String> nameOf, List<T> out) {
        List<ConfigNode> items = list.items();
        for (int i = 0; i < items.size(); i++) {
            ConfigNode item = items.get(i);
            Provenance provenance = new Provenance(source, file.origin(), rulePrefix + item.path());
            T object;
            try {
                object = parser.apply(item, provenance);
            } catch (ConfigException e) {
                diagnostics.add(Diagnostic.error(provenance, e.path(), e.getMessage()));
                continue;
            } catch (IllegalArgumentException | IllegalStateException e) {
                // A model invariant the parser did not check first; still reported where it stands.
                diagnostics.add(Diagnostic.error(provenance, item.path(), item.error(e.getMessage()).getMessage()));
                continue;
            }
            String name = nameOf.apply(object);
            ConfigNode nameNode = item.get("name");
            ConfigNode first = names.putIfAbsent(name, nameNode);
            if (first != null) {
                diagnostics.add(Diagnostic.error(provenance, nameNode.path(), nameNode.error("duplicate " + kind
                        + " name \"" + name + "\", first defined at " + where(first) + "; this one is ignored "
                        + "(expected: " + kind + " names unique across all files of source \"" + source + "\")")
                        .getMessage()));
                continue;
            }
            out.add(object);
        }
    }

    private static String where(ConfigNode node) {
        ConfigLocation at = node.location();
        String path = node.path();
        return at + " (" + (path.endsWith(".name") ? path.substring(0, path.length() - ".name".length()) : path) + ")";
    }
}
