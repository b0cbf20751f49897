package io.tidegate.plugins.file;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.HeaderEdits;
import io.tidegate.spi.model.HeaderValue;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code {set: {name: value}, add: {name: value}, remove: [name]}}. */
final class HeaderEditsParser {

    private HeaderEditsParser() {
    }

    /** The edits, or {@link HeaderEdits#NONE} for an absent or null node. */
    static HeaderEdits parse(ConfigNode node) {
        if (node.isNull()) {
            return HeaderEdits.NONE;
        }
        node.requireOnlyKeys("set", "add", "remove");
        List<String> remove = new ArrayList<>();
        for (ConfigNode name : node.getOrNull("remove").items()) {
            remove.add(Syntax.headerName(name));
        }
        return new HeaderEdits(values(node.getOrNull("set")), values(node.getOrNull("add")), remove);
    }

    /** A map of header name to value, in file order. */
    static List<HeaderValue> values(ConfigNode map) {
        List<HeaderValue> out = new ArrayList<>();
        for (String name : map.keys()) {
            ConfigNode value = map.get(name);
            out.add(new HeaderValue(Syntax.headerName(value, name), Syntax.headerValue(value)));
        }
        return out;
    }
}
