package io.tidegate.plugins.file;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.PathRewrite;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.WeightedCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Reads a route's action ({@code forward}, {@code redirect} or {@code respond}) and its {@code rewrite}. */
final class ActionParser {

    static final String[] ACTIONS = {"forward", "redirect", "respond"};
    private static final Set<Integer> REDIRECT_CODES = Set.of(301, 302, 303, 307, 308);

    private ActionParser() {
    }

    /**
     * The action of {@code route}.
     *
     * @param path the route's path match, or null: a redirect {@code prefix} needs a prefix match
     */
    static RouteAction action(ConfigNode route, PathMatch path) {
        String key = route.requireExactlyOne(ACTIONS);
        ConfigNode node = route.get(key);
        return switch (key) {
            case "forward" -> forward(node);
            case "redirect" -> redirect(node, path);
            default -> respond(node);
        };
    }

    /** {@code forward: backend} or {@code forward: [backend, {cluster: v2, weight: 10}]}. */
    private static RouteAction.Forward forward(ConfigNode node) {
        if (node.isScalar()) {
            return RouteAction.Forward.to(Syntax.name(node));
        }
        List<ConfigNode> items = node.items();
        if (items.isEmpty()) {
            throw node.error("is empty (expected: a cluster name or a list of {cluster, weight})");
        }
        List<WeightedCluster> clusters = new ArrayList<>();
        long total = 0;
        for (ConfigNode item : items) {
            WeightedCluster destination = destination(item);
            total += destination.weight();
            clusters.add(destination);
        }
        if (total == 0) {
            throw node.error("every weight is 0 (expected: at least one weight >= 1)");
        }
        return new RouteAction.Forward(clusters);
    }

    private static WeightedCluster destination(ConfigNode item) {
        if (item.isScalar()) {
            return WeightedCluster.of(Syntax.name(item), 1);
        }
        item.requireOnlyKeys("cluster", "weight", "headers");
        ConfigNode headers = item.getOrNull("headers");
        headers.requireOnlyKeys("request", "response");
        return new WeightedCluster(Syntax.name(item.get("cluster")),
                item.find("weight").map(w -> w.asInt(0, 1_000_000)).orElse(1),
                HeaderEditsParser.parse(headers.getOrNull("request")),
                HeaderEditsParser.parse(headers.getOrNull("response")));
    }

    /** {@code redirect: {scheme, host, port, path | prefix, code, stripQuery}}. */
    private static RouteAction.Redirect redirect(ConfigNode node, PathMatch match) {
        node.requireOnlyKeys("scheme", "host", "port", "path", "prefix", "code", "stripQuery");
        if (!node.has("scheme") && !node.has("host") && !node.has("port") && !node.has("path")
                && !node.has("prefix")) {
            throw node.error("changes nothing (expected: at least one of scheme, host, port, path, prefix; "
                    + "a redirect to the same URL loops)");
        }
        exclusive(node, "path", "prefix");
        String scheme = node.find("scheme").map(ActionParser::scheme).orElse(null);
        String host = node.find("host").map(Syntax::hostName).orElse(null);
        Integer port = node.find("port").map(p -> p.asInt(0, 65535)).orElse(null);
        String path = node.find("path").map(Syntax::absolutePath).orElse(null);
        String prefix = null;
        if (node.has("prefix")) {
            ConfigNode p = node.get("prefix");
            requirePrefixMatch(p, match);
            prefix = Syntax.absolutePath(p);
        }
        int code = 301;
        if (node.has("code")) {
            ConfigNode c = node.get("code");
            code = c.asInt();
            if (!REDIRECT_CODES.contains(code)) {
                throw c.error(code + " (expected: 301, 302, 303, 307 or 308)");
            }
        }
        return new RouteAction.Redirect(scheme, host, port, path, prefix, code, node.bool("stripQuery", false));
    }

    private static String scheme(ConfigNode node) {
        String s = node.asString().toLowerCase(Locale.ROOT);
        if (!s.equals("http") && !s.equals("https")) {
            throw node.error("\"" + node.asString() + "\" (expected: http or https)");
        }
        return s;
    }

    /** {@code respond: {status, body, headers}}. */
    private static RouteAction.DirectResponse respond(ConfigNode node) {
        node.requireOnlyKeys("status", "body", "headers");
        int status = node.find("status").map(s -> s.asInt(200, 599)).orElse(200);
        String body = node.find("body").map(ConfigNode::asString).orElse("");
        return new RouteAction.DirectResponse(status, body, HeaderEditsParser.values(node.getOrNull("headers")));
    }

    /**
     * {@code rewrite: {prefix | path | regex + substitution, host}}; null when absent.
     *
     * @param action the route's action: rewriting only means something when forwarding
     * @param match the route's path match: a prefix rewrite replaces the matched prefix
     */
    static PathRewrite rewrite(ConfigNode node, RouteAction action, PathMatch match) {
        if (node.isNull()) {
            return null;
        }
        node.requireOnlyKeys("prefix", "path", "regex", "substitution", "host");
        if (!(action instanceof RouteAction.Forward)) {
            throw node.error("only applies to forward routes (expected: redirect.path or redirect.prefix to change "
                    + "a redirect's target)");
        }
        exclusive(node, "prefix", "path", "regex");
        if (node.has("regex") != node.has("substitution")) {
            throw node.error("regex and substitution go together (expected: both or neither)");
        }
        String prefix = null;
        if (node.has("prefix")) {
            ConfigNode p = node.get("prefix");
            requirePrefixMatch(p, match);
            prefix = Syntax.absolutePath(p);
        }
        String fullPath = node.find("path").map(Syntax::absolutePath).orElse(null);
        String regex = node.find("regex").map(Syntax::regex).orElse(null);
        String substitution = node.find("substitution").map(ConfigNode::asString).orElse(null);
        String host = node.find("host").map(Syntax::hostName).orElse(null);
        if (prefix == null && fullPath == null && regex == null && host == null) {
            return null;
        }
        return new PathRewrite(prefix, fullPath, regex, substitution, host);
    }

    private static void requirePrefixMatch(ConfigNode at, PathMatch match) {
        if (match == null || match.kind() != PathMatch.Kind.PREFIX && match.kind() != PathMatch.Kind.SEGMENT_PREFIX) {
            throw at.error("replaces the matched prefix, but the route has no prefix match (expected: match.path with "
                    + "prefix or startsWith)");
        }
    }

    private static void exclusive(ConfigNode node, String... keys) {
        String found = null;
        for (String key : keys) {
            if (node.has(key)) {
                if (found != null) {
                    throw node.error("has both '" + found + "' and '" + key + "' (expected: at most one of "
                            + String.join(", ", keys) + ")");
                }
                found = key;
            }
        }
    }
}
