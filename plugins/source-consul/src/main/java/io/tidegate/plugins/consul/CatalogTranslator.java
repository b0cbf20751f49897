package io.tidegate.plugins.consul;

import static java.util.Objects.requireNonNull;

import io.tidegate.plugins.consul.ConsulApi.Instance;
import io.tidegate.plugins.consul.ConsulApi.Status;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.HealthStatus;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.PathRewrite;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteMatch;
import io.tidegate.spi.model.SocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The catalog part of the translation, a pure function: services, their instances and tags in;
 * clusters, tag routes and diagnostics out.
 *
 * <p><b>Clusters.</b> Per service, named as Consul's DNS names it: {@code <service>.service.consul} holds
 * every instance, each at its own {@code Service.Port} (what an SRV lookup gives; instances of one
 * service may listen on different ports, as Nomad's dynamic ports do); and for each port seen,
 * {@code <service>.service.consul:<port>} holds the instances on that port (for routes of other sources
 * that name a port, as the spi's {@code web.service.consul:80} does). Endpoint host: {@code Service.Address},
 * or {@code Node.Address} when empty; weight {@code Weights.Passing} (or {@code Weights.Warning} for a
 * warning instance); labels from {@code Service.Meta} and tags. A service in the catalog keeps its
 * clusters while it has no healthy instance (empty: its routes answer 503 rather than falling through
 * to another route); a port stays known once seen. For each tag of {@code clusterPerTag}, services
 * carrying it also get {@code <tag>.<service>.service.consul} (and {@code ...:<port>}) with the
 * instances that carry it.
 *
 * <p><b>Routes from tags.</b> A service tagged {@code tidegate.host=...} and/or {@code tidegate.path=...}
 * gets one route ({@code docs/source-consul.md}, "Routes from tags"). A malformed {@code tidegate.*} tag
 * rejects that service's route alone, with a diagnostic naming the service and the tag; its clusters
 * are still published.
 */
final class CatalogTranslator {

    static final String TAG_PREFIX = "tidegate.";
    private static final Set<String> ROUTE_KEYS = Set.of("host", "path", "path-type", "strip-prefix", "port");
    private static final Pattern HOST = Pattern.compile("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|\\*");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** What the catalog holds for the services this source watches. */
    record Catalog(Map<String, List<String>> serviceTags, Map<String, List<Instance>> instances,
                   Map<String, SortedSet<Integer>> knownPorts) { }

    /** The catalog's contribution to the fragment. */
    record Result(List<Route> routes, List<Cluster> clusters, List<Diagnostic> diagnostics) { }

    private final String source;
    private final ConsulSettings settings;

    CatalogTranslator(String source, ConsulSettings settings) {
        this.source = requireNonNull(source, "source");
        this.settings = requireNonNull(settings, "settings");
    }

    /** The cluster of every instance of a service, each at its own port (Consul DNS SRV). */
    static String clusterName(String service) {
        return service + ".service.consul";
    }

    /** The cluster of a tag's instances of a service, each at its own port. */
    static String clusterName(String tag, String service) {
        return tag + "." + service + ".service.consul";
    }

    /** The cluster name of a service's port. */
    static String clusterName(String service, int port) {
        return service + ".service.consul:" + port;
    }

    /** The cluster name of a service's tag and port. */
    static String clusterName(String tag, String service, int port) {
        return tag + "." + service + ".service.consul:" + port;
    }

    Provenance provenance(String service) {
        return Provenance.of(source, "Service " + service + (settings.datacenter() == null ? "" : " (dc " + settings.datacenter() + ")"));
    }

    Result translate(Catalog catalog) {
        List<Cluster> clusters = new ArrayList<>();
        List<Route> routes = new ArrayList<>();
        List<Diagnostic> diagnostics = new ArrayList<>();
        for (String service : new TreeSet<>(catalog.serviceTags().keySet())) {
            List<Instance> instances = catalog.instances().getOrDefault(service, List.of());
            SortedSet<Integer> ports = new TreeSet<>(catalog.knownPorts().getOrDefault(service, new TreeSet<>()));
            instances.forEach(i -> ports.add(i.port()));
            Provenance origin = provenance(service);
            List<String> tags = catalog.serviceTags().get(service);
            clusters.add(cluster(clusterName(service), instances, null, null, origin));
            for (String tag : settings.clusterPerTag()) {
                if (tags.contains(tag)) {
                    clusters.add(cluster(clusterName(tag, service), instances, null, tag, origin.withRule("tag " + tag)));
                }
            }
            for (int port : ports) {
                if (port < 1 || port > 65535) {
                    diagnostics.add(Diagnostic.error(origin, "Service.Port", "port " + port
                            + " (expected: 1-65535); instances on it are left out"));
                    continue;
                }
                clusters.add(cluster(clusterName(service, port), instances, port, null, origin));
                for (String tag : settings.clusterPerTag()) {
                    if (tags.contains(tag)) {
                        clusters.add(cluster(clusterName(tag, service, port), instances, port, tag,
                                origin.withRule("tag " + tag)));
                    }
                }
            }
            if (settings.routesFromTags()) {
                tagRoute(service, catalog.serviceTags().get(service), origin, routes, diagnostics);
            }
        }
        routes.sort(ROUTE_ORDER);
        return new Result(routes, clusters, diagnostics);
    }

    private Cluster cluster(String name, List<Instance> instances, Integer port, String tag, Provenance origin) {
        List<Endpoint> endpoints = new ArrayList<>();
        boolean allIps = true;
        for (Instance i : instances) {
            if ((port != null && i.port() != port) || i.port() < 1 || i.port() > 65535 || (tag != null && !i.tags().contains(tag)) || i.status() == Status.CRITICAL) {
                continue;
            }
            if (i.status() == Status.WARNING && !settings.includeWarning()) {
                continue;
            }
            int weight = i.status() == Status.WARNING ? i.warningWeight() : i.passingWeight();
            String host = i.effectiveAddress();
            if (weight < 1 || host == null || host.isBlank()) {
                continue; // weight 0 takes no traffic; an instance without any address cannot be reached
            }
            allIps &= isIpLiteral(host);
            endpoints.add(new Endpoint(new SocketAddress(host, i.port()), Math.min(weight, 1_000_000), labels(i),
                    HealthStatus.HEALTHY));
        }
        endpoints.sort(Comparator.comparing((Endpoint e) -> e.address().host()).thenComparing(e -> e.labels().getOrDefault("consul.service-id", "")));
        return new Cluster(name, endpoints, allIps ? Cluster.Resolution.STATIC : Cluster.Resolution.DNS, null, null,
                null, null, null, null, null, null, origin);
    }

    /**
     * Labels: {@code Service.Meta} as it is; each tag {@code key=value} as {@code key: value}, each other
     * tag as {@code tag: "true"} (meta wins on a clash); plus {@code consul.node} and {@code consul.service-id}.
     */
    static Map<String, String> labels(Instance i) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String tag : i.tags()) {
            if (tag.startsWith(TAG_PREFIX) || tag.isEmpty()) {
                continue;
            }
            int eq = tag.indexOf('=');
            if (eq > 0) {
                labels.put(tag.substring(0, eq), tag.substring(eq + 1));
            } else if (eq < 0) {
                labels.put(tag, "true");
            }
        }
        labels.putAll(i.meta());
        labels.put("consul.node", i.node());
        labels.put("consul.service-id", i.id());
        return labels;
    }

    static boolean isIpLiteral(String host) {
        return IPV4.matcher(host).matches() || host.indexOf(':') >= 0;
    }

    private void tagRoute(String service, List<String> tags, Provenance origin,
                          List<Route> routes, List<Diagnostic> diagnostics) {
        List<String> hosts = new ArrayList<>();
        String path = null;
        String pathType = null;
        Boolean strip = null;
        Integer port = null;
        for (String tag : tags) {
            if (!tag.startsWith(TAG_PREFIX)) {
                continue;
            }
            String field = "Tags[" + tag + "]";
            int eq = tag.indexOf('=');
            String key = eq < 0 ? tag.substring(TAG_PREFIX.length()) : tag.substring(TAG_PREFIX.length(), eq);
            String value = eq < 0 ? null : tag.substring(eq + 1).trim();
            if (!ROUTE_KEYS.contains(key)) {
                diagnostics.add(Diagnostic.error(origin, field, "unknown tidegate tag '" + TAG_PREFIX + key
                        + "' on service " + service + " (expected one of: tidegate.host, tidegate.path, "
                        + "tidegate.path-type, tidegate.strip-prefix, tidegate.port); route not published"));
                return;
            }
            if (value == null || value.isEmpty()) {
                diagnostics.add(Diagnostic.error(origin, field, "tag '" + tag + "' of service " + service
                        + " has no value (expected: " + TAG_PREFIX + key + "=VALUE); route not published"));
                return;
            }
            String problem = null;
            switch (key) {
                case "host" -> {
                    for (String h : value.split(",")) {
                        String host = h.trim().toLowerCase(Locale.ROOT);
                        if (!HOST.matcher(host).matches()) {
                            problem = "'" + h.trim() + "' is not a host name (expected: e.g. api.example.com or *.example.com)";
                        } else if (!hosts.contains(host)) {
                            hosts.add(host);
                        }
                    }
                }
                case "path" -> {
                    if (path != null && !path.equals(value)) {
                        problem = "conflicts with tidegate.path=" + path + " (instances disagree; expected: one path)";
                    } else if (!value.startsWith("/") || value.contains(" ") || value.contains("?") || value.contains("#")) {
                        problem = "'" + value + "' is not a path (expected: starts with '/', no query)";
                    } else {
                        path = value;
                    }
                }
                case "path-type" -> {
                    if (!Set.of("prefix", "exact", "starts-with").contains(value)) {
                        problem = "'" + value + "' (expected one of: prefix, exact, starts-with)";
                    } else if (pathType != null && !pathType.equals(value)) {
                        problem = "conflicts with tidegate.path-type=" + pathType;
                    } else {
                        pathType = value;
                    }
                }
                case "strip-prefix" -> {
                    if (!value.equals("true") && !value.equals("false")) {
                        problem = "'" + value + "' (expected: true or false)";
                    } else {
                        strip = Boolean.valueOf(value);
                    }
                }
                case "port" -> {
                    try {
                        int p = Integer.parseInt(value);
                        if (p < 1 || p > 65535) {
                            problem = "'" + value + "' (expected: 1-65535)";
                        } else if (port != null && port != p) {
                            problem = "conflicts with tidegate.port=" + port;
                        } else {
                            port = p;
                        }
                    } catch (NumberFormatException e) {
                        problem = "'" + value + "' is not a port (expected: 1-65535)";
                    }
                }
                default -> throw new IllegalStateException(key);
            }
            if (problem != null) {
                diagnostics.add(Diagnostic.error(origin, field, "service " + service + ": " + problem + "; route not published"));
                return;
            }
        }
        if (hosts.isEmpty() && path == null) {
            if (pathType != null || strip != null || port != null) {
                diagnostics.add(Diagnostic.error(origin, "Tags", "service " + service
                        + " has tidegate tags but neither tidegate.host nor tidegate.path; route not published"));
            }
            return;
        }
        if (path == null && (pathType != null || Boolean.TRUE.equals(strip))) {
            diagnostics.add(Diagnostic.error(origin, "Tags", "service " + service + ": tidegate."
                    + (pathType != null ? "path-type" : "strip-prefix") + " needs tidegate.path; route not published"));
            return;
        }
        if (Boolean.TRUE.equals(strip) && "exact".equals(pathType)) {
            diagnostics.add(Diagnostic.error(origin, "Tags", "service " + service
                    + ": tidegate.strip-prefix needs a prefix path-type (not exact); route not published"));
            return;
        }
        String target = port != null ? clusterName(service, port) : clusterName(service);
        PathMatch match = null;
        if (path != null) {
            match = switch (pathType == null ? "prefix" : pathType) {
                case "exact" -> PathMatch.exact(path);
                case "starts-with" -> PathMatch.prefix(path);
                default -> PathMatch.segmentPrefix(path);
            };
        }
        Route.Builder route = Route.builder(service + ".service.consul", origin.withRule("tags"))
                .match(RouteMatch.hostsAndPath(hosts, match))
                .forwardTo(target)
                .metadata(Map.of("consul.service", service));
        if (Boolean.TRUE.equals(strip) && match != null && !path.equals("/")) {
            route.rewrite(PathRewrite.prefix("/"));
        }
        routes.add(route.build());
    }

    /** Exact paths first, then longer paths, then routes with hosts, then by name: most specific first. */
    static final Comparator<Route> ROUTE_ORDER = Comparator
            .comparingInt((Route r) -> r.match().path() != null && r.match().path().kind() == PathMatch.Kind.EXACT ? 0 : 1)
            .thenComparing(r -> r.match().path() == null ? 0 : -r.match().path().value().length())
            .thenComparingInt(r -> r.match().hosts().isEmpty() ? 1 : 0)
            .thenComparing(Route::name);
}
