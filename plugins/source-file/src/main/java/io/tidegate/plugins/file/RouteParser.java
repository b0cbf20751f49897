package io.tidegate.plugins.file;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.HeaderMatch;
import io.tidegate.spi.model.HostWildcard;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.PolicyRef;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.QueryMatch;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.RouteMatch;
import io.tidegate.spi.model.Timeouts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Reads one item of a file's {@code routes:} list into a {@link Route}. */
final class RouteParser {

    private static final String[] KEYS = {"name", "hosts", "listeners", "match", "forward", "redirect", "respond",
            "rewrite", "headers", "timeout", "idleTimeout", "maxBodySize", "policies", "metadata", "cors", "fault", "retries",
            "mirrors"};
    private static final String[] PATH_KINDS = {"exact", "prefix", "startsWith", "regex"};

    private final Map<String, ListenerProtocol> listeners;

    /** @param listeners the gateway's listeners by name: a route may only name HTTP(S) ones */
    RouteParser(Map<String, ListenerProtocol> listeners) {
        this.listeners = Map.copyOf(requireNonNull(listeners, "listeners"));
    }

    /** @throws io.tidegate.spi.config.ConfigException naming the first problem */
    Route parse(ConfigNode node, Provenance provenance) {
        node.requireOnlyKeys(KEYS);
        String name = Syntax.name(node.get("name"));
        RouteMatch match = match(node);
        RouteAction action = ActionParser.action(node, match.path());
        ConfigNode headers = node.getOrNull("headers");
        headers.requireOnlyKeys("request", "response");
        Route.Builder route = Route.builder(name, provenance)
                .listeners(listeners(node.getOrNull("listeners")))
                .match(match)
                .action(action)
                .rewrite(ActionParser.rewrite(node.getOrNull("rewrite"), action, match.path()))
                .requestHeaders(HeaderEditsParser.parse(headers.getOrNull("request")))
                .responseHeaders(HeaderEditsParser.parse(headers.getOrNull("response")))
                .timeouts(new Timeouts(node.duration("timeout", null), node.duration("idleTimeout", null)))
                .metadata(node.getOrNull("metadata").asStringMap())
                .cors(CorsParser.parse(node.getOrNull("cors")))
                .fault(FaultParser.parse(node.getOrNull("fault")))
                .retries(RetryParser.parse(node.getOrNull("retries")));
        if (node.has("maxBodySize")) {
            route.maxRequestBodyBytes(node.get("maxBodySize").asByteSize());
        }
        for (ConfigNode item : node.getOrNull("policies").items()) {
            route.addPolicy(policy(item));
        }
        MirrorParser.parse(node.getOrNull("mirrors"), action).forEach(route::addMirror);
        return route.build();
    }

    private Set<String> listeners(ConfigNode node) {
        Set<String> names = new LinkedHashSet<>();
        List<ConfigNode> items = node.isScalar() ? List.of(node) : node.items();
        for (ConfigNode item : items) {
            String name = item.asString();
            ListenerProtocol protocol = listeners.get(name);
            if (protocol == null) {
                throw item.error("\"" + name + "\" is not a listener in tidegate.yaml (expected one of: "
                        + String.join(", ", new TreeSet<>(httpListeners())) + ")");
            }
            if (protocol != ListenerProtocol.HTTP && protocol != ListenerProtocol.HTTPS) {
                throw item.error("\"" + name + "\" is a " + protocol.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
                        + " listener (expected: an http or https listener)");
            }
            names.add(name);
        }
        return names;
    }

    private List<String> httpListeners() {
        List<String> out = new ArrayList<>();
        listeners.forEach((name, protocol) -> {
            if (protocol == ListenerProtocol.HTTP || protocol == ListenerProtocol.HTTPS) {
                out.add(name);
            }
        });
        return out;
    }

    private static RouteMatch match(ConfigNode route) {
        List<String> hosts = new ArrayList<>();
        ConfigNode hostsNode = route.getOrNull("hosts");
        for (ConfigNode host : hostsNode.isScalar() ? List.of(hostsNode) : hostsNode.items()) {
            String pattern = Syntax.hostPattern(host);
            if (!hosts.contains(pattern)) {
                hosts.add(pattern);
            }
        }
        if (hosts.contains("*")) {
            hosts = List.of(); // "*" with others is still "any host"
        }
        ConfigNode node = route.getOrNull("match");
        node.requireOnlyKeys("path", "ignoreCase", "methods", "headers", "query");
        boolean ignoreCase = node.bool("ignoreCase", false);
        PathMatch path = node.find("path").map(p -> path(p, ignoreCase)).orElse(null);
        Set<String> methods = new LinkedHashSet<>();
        ConfigNode methodsNode = node.getOrNull("methods");
        for (ConfigNode method : methodsNode.isScalar() ? List.of(methodsNode) : methodsNode.items()) {
            methods.add(Syntax.method(method));
        }
        List<HeaderMatch> headers = new ArrayList<>();
        for (ConfigNode item : node.getOrNull("headers").items()) {
            headers.add(ConditionParser.header(item));
        }
        List<QueryMatch> query = new ArrayList<>();
        for (ConfigNode item : node.getOrNull("query").items()) {
            query.add(ConditionParser.query(item));
        }
        return new RouteMatch(hosts, HostWildcard.ANY_LABELS, path, methods, headers, query);
    }

    /** {@code {exact | prefix | startsWith | regex: value}}. */
    private static PathMatch path(ConfigNode node, boolean ignoreCase) {
        node.requireOnlyKeys(PATH_KINDS);
        String kind = node.requireExactlyOne(PATH_KINDS);
        ConfigNode value = node.get(kind);
        return switch (kind) {
            case "exact" -> new PathMatch(PathMatch.Kind.EXACT, Syntax.absolutePath(value), ignoreCase);
            case "prefix" -> new PathMatch(PathMatch.Kind.SEGMENT_PREFIX, Syntax.absolutePath(value), ignoreCase);
            case "startsWith" -> new PathMatch(PathMatch.Kind.PREFIX, Syntax.absolutePath(value), ignoreCase);
            default -> new PathMatch(PathMatch.Kind.REGEX, Syntax.regex(value), ignoreCase);
        };
    }

    /** {@code {id: rate-limit, ...settings}}: the settings are the item without {@code id}, where it stood. */
    private static PolicyRef policy(ConfigNode item) {
        String id = Syntax.name(item.get("id"));
        Map<String, ConfigNode> settings = new LinkedHashMap<>();
        for (String key : item.keys()) {
            if (!key.equals("id")) {
                settings.put(key, item.getOrNull(key));
            }
        }
        return new PolicyRef(id, ConfigNode.map(item.location(), item.path(), settings));
    }
}
