package io.tidegate.plugins.file;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.CorsPolicy;
import io.tidegate.spi.model.StringMatch;
import java.util.ArrayList;
import java.util.List;

/** Reads a route's {@code cors:} map. */
final class CorsParser {

    private CorsParser() {
    }

    static CorsPolicy parse(ConfigNode node) {
        if (node.isNull()) {
            return null;
        }
        node.requireOnlyKeys("allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge",
                "allowCredentials");
        List<ConfigNode> items = node.get("allowOrigins").items();
        if (items.isEmpty()) {
            throw node.get("allowOrigins").error("is empty (expected: at least one origin)");
        }
        List<StringMatch> origins = new ArrayList<>();
        for (ConfigNode item : items) {
            origins.add(origin(item));
        }
        return new CorsPolicy(origins, node.strings("allowMethods"), node.strings("allowHeaders"),
                node.strings("exposeHeaders"), node.duration("maxAge", null), node.bool("allowCredentials", false));
    }

    /** {@code "https://app.example.com"} (exact), or {@code {exact|prefix|regex: ...}}. */
    private static StringMatch origin(ConfigNode item) {
        if (item.isScalar()) {
            String origin = item.asString();
            if (origin.equals("*")) {
                // "*" with credentials is refused by browsers; echoing any origin must be written as a regex.
                throw item.error("'*' (expected: an origin such as https://app.example.com, or {regex: '.*'})");
            }
            return StringMatch.exact(origin);
        }
        String kind = item.requireExactlyOne("exact", "prefix", "regex");
        ConfigNode value = item.get(kind);
        return switch (kind) {
            case "exact" -> StringMatch.exact(value.asString());
            case "prefix" -> StringMatch.prefix(value.asString());
            default -> StringMatch.regex(Syntax.regex(value));
        };
    }
}
