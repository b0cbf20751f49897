package io.tidegate.plugins.file;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.HeaderMatch;
import io.tidegate.spi.model.QueryMatch;
import io.tidegate.spi.model.StringMatch;
import java.util.Locale;

/**
 * Reads header and query conditions: {@code {name: x-env, exact: canary}}, one comparison per item.
 */
final class ConditionParser {

    private static final String[] KINDS = {"exact", "prefix", "suffix", "contains", "regex", "present"};

    private ConditionParser() {
    }

    /** {@code {name, exact|prefix|suffix|contains|regex|present, ignoreCase, invert}}. */
    static HeaderMatch header(ConfigNode item) {
        item.requireOnlyKeys("name", "exact", "prefix", "suffix", "contains", "regex", "present", "ignoreCase",
                "invert");
        ConfigNode nameNode = item.get("name");
        String raw = nameNode.asString();
        String name = switch (raw.toLowerCase(Locale.ROOT)) {
            case ":method", ":scheme", ":authority", ":path" -> raw.toLowerCase(Locale.ROOT);
            default -> Syntax.headerName(nameNode);
        };
        return new HeaderMatch(name, comparison(item, true), item.bool("invert", false));
    }

    /** {@code {name, exact|prefix|suffix|contains|regex|present, ignoreCase}}. */
    static QueryMatch query(ConfigNode item) {
        item.requireOnlyKeys("name", "exact", "prefix", "suffix", "contains", "regex", "present", "ignoreCase");
        ConfigNode nameNode = item.get("name");
        String name = nameNode.asString();
        if (name.isEmpty()) {
            throw nameNode.error("\"\" (expected: a query parameter name)");
        }
        return new QueryMatch(name, comparison(item, false));
    }

    private static StringMatch comparison(ConfigNode item, boolean canInvert) {
        String kind = item.requireExactlyOne(KINDS);
        boolean ignoreCase = item.bool("ignoreCase", false);
        ConfigNode value = item.get(kind);
        return switch (kind) {
            case "present" -> {
                if (!value.asBoolean()) {
                    throw value.error("false (expected: true" + (canInvert ? "; to match an absent header write "
                            + "present: true with invert: true)" : ")"));
                }
                yield new StringMatch(StringMatch.Kind.PRESENT, "", ignoreCase);
            }
            case "regex" -> new StringMatch(StringMatch.Kind.REGEX, Syntax.regex(value), ignoreCase);
            default -> new StringMatch(StringMatch.Kind.valueOf(kind.toUpperCase(Locale.ROOT)), value.asString(),
                    ignoreCase);
        };
    }
}
