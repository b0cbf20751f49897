package io.tidegate.plugins.consul;

import static java.util.Objects.requireNonNull;

import io.tidegate.plugins.consul.ConsulApi.KvEntry;
import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.PathRewrite;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.RouteMatch;
import io.tidegate.spi.model.Timeouts;
import io.tidegate.spi.model.WeightedCluster;
import io.tidegate.spi.plugin.YamlReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Routes from KV documents: every key under the prefix (keys ending in {@code /} are folders and
 * skipped) holds YAML in a subset of the native route format ({@code docs/source-consul.md}, "Routes
 * in KV"). Documents are parsed with {@code context.yaml()} as origin {@code consul-kv:<key>}, so errors
 * carry key, line and column.
 *
 * <p>A malformed document is rejected alone: its routes are left out (or, if an earlier version of the
 * same key was good, that version stays), with a diagnostic naming the key. Not thread-safe: one
 * caller at a time (the source's publish lock).
 */
final class KvRoutes {

    private static final String[] ROUTE_KEYS = {"name", "hosts", "listeners", "match", "forward", "rewrite", "timeout",
            "idleTimeout", "metadata"};

    private final String source;
    private final YamlReader yaml;
    private final Map<String, Parsed> lastGood = new HashMap<>();

    /** One key's routes and what was said about them. */
    record Parsed(long modifyIndex, String text, List<Route> routes) { }

    /** The routes of every key, in key order, and diagnostics. */
    record Result(List<Route> routes, List<Diagnostic> diagnostics) { }

    KvRoutes(String source, YamlReader yaml) {
        this.source = requireNonNull(source, "source");
        this.yaml = requireNonNull(yaml, "yaml");
    }

    Result translate(List<KvEntry> entries) {
        List<Route> routes = new ArrayList<>();
        List<Diagnostic> diagnostics = new ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        Set<String> present = new java.util.HashSet<>();
        List<KvEntry> sorted = new ArrayList<>(entries);
        sorted.sort(java.util.Comparator.comparing(KvEntry::key));
        for (KvEntry entry : sorted) {
            if (entry.key().endsWith("/") || entry.value() == null || entry.value().isBlank()) {
                continue; // a folder, or an empty key
            }
            present.add(entry.key());
            Provenance origin = Provenance.of(source, "KV " + entry.key());
            List<Route> parsed;
            Parsed previous = lastGood.get(entry.key());
            if (previous != null && previous.text().equals(entry.value())) {
                parsed = previous.routes();
            } else {
                try {
                    parsed = parse(entry.key(), entry.value(), origin);
                    lastGood.put(entry.key(), new Parsed(entry.modifyIndex(), entry.value(), parsed));
                } catch (ConfigException e) {
                    String kept = previous == null ? "its routes are left out"
                            : "its previous version (ModifyIndex " + previous.modifyIndex() + ") stays";
                    diagnostics.add(Diagnostic.error(origin, e.path(), e.getMessage() + " (document rejected; " + kept + ")"));
                    parsed = previous == null ? List.of() : previous.routes();
                }
            }
            for (Route route : parsed) {
                if (!names.add(route.name())) {
                    diagnostics.add(Diagnostic.error(route.provenance(), "name", "route name '" + route.name()
                            + "' is already used by an earlier key (expected: names unique across the KV prefix); left out"));
                    continue;
                }
                routes.add(route);
            }
        }
        lastGood.keySet().retainAll(present);
        return new Result(routes, diagnostics);
    }

    private List<Route> parse(String key, String text, Provenance origin) {
        List<ConfigNode> documents = yaml.parse("consul-kv:" + key, text);
        List<Route> routes = new ArrayList<>();
        for (ConfigNode doc : documents) {
            if (!doc.isMap()) {
                throw doc.error("is not a map (expected: a document with 'routes:')");
            }
            if (doc.has("clusters")) {
                throw doc.get("clusters").error("clusters are not read from KV (expected: only 'routes:'; clusters come from the Consul catalog)");
            }
            doc.requireOnlyKeys("routes");
            if (!doc.has("routes")) {
                continue;
            }
            List<ConfigNode> items = doc.get("routes").items();
            for (int i = 0; i < items.size(); i++) {
                routes.add(route(items.get(i), origin.withRule("routes[" + i + "]")));
            }
        }
        return routes;
    }

    private static Route route(ConfigNode node, Provenance origin) {
        if (!node.isMap()) {
            throw node.error("is not a map (expected: a route with name and forward)");
        }
        node.requireOnlyKeys(ROUTE_KEYS);
        String name = node.string("name");
        if (name.isBlank() || name.chars().anyMatch(Character::isWhitespace)) {
            throw node.get("name").error("'" + name + "' (expected: a name without whitespace)");
        }
        if (!node.has("forward")) {
            throw node.error("has no 'forward' (expected: a cluster name, or a list of {cluster, weight}; "
                    + "redirect and respond are not supported in KV)");
        }
        Set<String> listeners = new LinkedHashSet<>(node.has("listeners") ? node.strings("listeners") : List.of());
        List<String> hosts = new ArrayList<>();
        for (String h : node.has("hosts") ? node.strings("hosts") : List.<String>of()) {
            if (h.isBlank()) {
                throw node.get("hosts").error("has an empty host (expected: e.g. api.example.com)");
            }
            hosts.add(h.trim().toLowerCase(Locale.ROOT));
        }
        PathMatch path = null;
        Set<String> methods = new LinkedHashSet<>();
        if (node.has("match")) {
            ConfigNode match = node.get("match");
            match.requireOnlyKeys("path", "ignoreCase", "methods");
            if (match.has("path")) {
                ConfigNode p = match.get("path");
                String kind = p.requireExactlyOne("exact", "prefix", "startsWith", "regex");
                p.requireOnlyKeys("exact", "prefix", "startsWith", "regex");
                String value = p.string(kind);
                if (!kind.equals("regex") && !value.startsWith("/")) {
                    throw p.get(kind).error("'" + value + "' (expected: a path starting with '/')");
                }
                PathMatch.Kind k = switch (kind) {
                    case "exact" -> PathMatch.Kind.EXACT;
                    case "prefix" -> PathMatch.Kind.SEGMENT_PREFIX;
                    case "startsWith" -> PathMatch.Kind.PREFIX;
                    default -> PathMatch.Kind.REGEX;
                };
                path = new PathMatch(k, value, match.bool("ignoreCase", false));
            }
            for (String m : match.has("methods") ? match.strings("methods") : List.<String>of()) {
                if (!m.chars().allMatch(c -> c < 128 && Character.isLetter(c))) {
                    throw match.get("methods").error("'" + m + "' is not a method (expected: e.g. GET)");
                }
                methods.add(m.toUpperCase(Locale.ROOT));
            }
        }
        RouteAction.Forward forward = forward(node.get("forward"));
        PathRewrite rewrite = null;
        if (node.has("rewrite")) {
            ConfigNode r = node.get("rewrite");
            r.requireOnlyKeys("prefix", "path", "host");
            String prefix = r.has("prefix") ? r.string("prefix") : null;
            String full = r.has("path") ? r.string("path") : null;
            if (prefix != null && full != null) {
                throw r.error("has both 'prefix' and 'path' (expected: at most one)");
            }
            if (prefix != null && (path == null || (path.kind() != PathMatch.Kind.PREFIX
                    && path.kind() != PathMatch.Kind.SEGMENT_PREFIX))) {
                throw r.get("prefix").error("needs a match.path of prefix or startsWith");
            }
            rewrite = new PathRewrite(prefix, full, null, null, r.has("host") ? r.string("host") : null);
        }
        return Route.builder(name, origin)
                .listeners(listeners)
                .match(new RouteMatch(hosts, null, path, methods, List.of(), List.of()))
                .action(forward)
                .rewrite(rewrite)
                .timeouts(new Timeouts(node.duration("timeout", null), node.duration("idleTimeout", null)))
                .metadata(node.has("metadata") ? node.get("metadata").asStringMap() : Map.of())
                .build();
    }

    private static RouteAction.Forward forward(ConfigNode node) {
        if (node.isScalar()) {
            return RouteAction.Forward.to(cluster(node, node.asString()));
        }
        List<WeightedCluster> clusters = new ArrayList<>();
        List<ConfigNode> items = node.items();
        if (items.isEmpty()) {
            throw node.error("is empty (expected: at least one cluster)");
        }
        int total = 0;
        for (ConfigNode item : items) {
            if (item.isScalar()) {
                clusters.add(WeightedCluster.of(cluster(item, item.asString()), 1));
                total++;
                continue;
            }
            item.requireOnlyKeys("cluster", "weight");
            int weight = item.has("weight") ? item.get("weight").asInt(0, 1_000_000) : 1;
            total += weight;
            clusters.add(WeightedCluster.of(cluster(item.get("cluster"), item.string("cluster")), weight));
        }
        if (total == 0) {
            throw node.error("has only weight 0 (expected: at least one weight >= 1)");
        }
        return new RouteAction.Forward(clusters);
    }

    private static String cluster(ConfigNode node, String name) {
        if (name.isBlank() || name.chars().anyMatch(Character::isWhitespace)) {
            throw node.error("'" + name + "' (expected: a cluster name such as web.service.consul:8080)");
        }
        return name.trim();
    }
}
