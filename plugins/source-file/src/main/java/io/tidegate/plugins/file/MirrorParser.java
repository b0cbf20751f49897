package io.tidegate.plugins.file;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.MirrorPolicy;
import io.tidegate.spi.model.RouteAction;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a route's {@code mirrors:} list: {@code [shadow, {cluster: canary, percent: 10}]}. A bare
 * name mirrors every request. Only forward routes mirror.
 */
final class MirrorParser {

    private MirrorParser() {
    }

    static List<MirrorPolicy> parse(ConfigNode node, RouteAction action) {
        if (node.isNull()) {
            return List.of();
        }
        if (!(action instanceof RouteAction.Forward)) {
            throw node.error("only applies to forward routes (expected: forward)");
        }
        List<ConfigNode> items = node.isScalar() ? List.of(node) : node.items();
        List<MirrorPolicy> out = new ArrayList<>();
        for (ConfigNode item : items) {
            if (item.isScalar()) {
                out.add(new MirrorPolicy(Syntax.name(item), 100));
                continue;
            }
            item.requireOnlyKeys("cluster", "percent");
            double percent = 100;
            if (item.has("percent")) {
                ConfigNode p = item.get("percent");
                percent = p.asDouble();
                if (percent < 0 || percent > 100) {
                    throw p.error(p.asString() + " (expected: 0 to 100)");
                }
            }
            out.add(new MirrorPolicy(Syntax.name(item.get("cluster")), percent));
        }
        return out;
    }
}
