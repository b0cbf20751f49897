package io.tidegate.spi.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An immutable, location-aware tree of config values: a map, a list, a scalar or null.
 *
 * <p>Every node knows its file and line ({@link #location()}) and its key path from the document
 * root ({@link #path()}), so every accessor can fail with a {@link ConfigException} that names both.
 * Scalars keep their text; the typed accessors ({@link #asInt()}, {@link #asDuration()}, ...) parse
 * it on demand. Plugins receive their settings as a {@code ConfigNode} and parse them once, when the
 * plugin is configured, never on the request path.
 */
public final class ConfigNode {

    /** The shape of a node. */
    public enum Kind { MAP, LIST, SCALAR, NULL }

    private static final Pattern DURATION_PART =
            Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|us|ns|s|m|h|d)");
    private static final Pattern BYTE_SIZE =
            Pattern.compile("(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?", Pattern.CASE_INSENSITIVE);

    private final Kind kind;
    private final Object value;
    private final ConfigLocation location;
    private final String path;

    private ConfigNode(Kind kind, Object value, ConfigLocation location, String path) {
        this.kind = kind;
        this.value = value;
        this.location = requireNonNull(location, "location");
        this.path = requireNonNull(path, "path");
    }

    /** A map node; iteration keeps the insertion order of {@code entries}. */
    public static ConfigNode map(ConfigLocation location, String path, Map<String, ConfigNode> entries) {
        return new ConfigNode(Kind.MAP, Collections.unmodifiableMap(new LinkedHashMap<>(entries)), location, path);
    }

    /** A list node. */
    public static ConfigNode list(ConfigLocation location, String path, List<ConfigNode> items) {
        return new ConfigNode(Kind.LIST, List.copyOf(items), location, path);
    }

    /** A scalar node holding the value's text. */
    public static ConfigNode scalar(ConfigLocation location, String path, String text) {
        return new ConfigNode(Kind.SCALAR, requireNonNull(text, "text"), location, path);
    }

    /** A null node (an explicit YAML null, or an absent optional section). */
    public static ConfigNode nullNode(ConfigLocation location, String path) {
        return new ConfigNode(Kind.NULL, null, location, path);
    }

    /** An empty map, for callers that want "no settings" rather than null. */
    public static ConfigNode emptyMap(String origin) {
        return map(new ConfigLocation(origin, 0, 0), "", Map.of());
    }

    /**
     * Builds a tree from plain Java values: {@code Map<String, ?>}, {@code List<?>}, scalars
     * (rendered with {@code toString()}) and null. Useful for sources whose input is not YAML, such
     * as Kubernetes annotations or Consul tags.
     */
    public static ConfigNode fromObject(Object value, String origin) {
        return fromObject(value, new ConfigLocation(origin, 0, 0), "");
    }

    private static ConfigNode fromObject(Object value, ConfigLocation location, String path) {
        if (value == null) {
            return nullNode(location, path);
        }
        if (value instanceof ConfigNode node) {
            return node;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, ConfigNode> entries = new LinkedHashMap<>();
            map.forEach((k, v) -> {
                String key = String.valueOf(k);
                entries.put(key, fromObject(v, location, childPath(path, key)));
            });
            return map(location, path, entries);
        }
        if (value instanceof List<?> list) {
            List<ConfigNode> items = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                items.add(fromObject(list.get(i), location, path + "[" + i + "]"));
            }
            return list(location, path, items);
        }
        return scalar(location, path, value.toString());
    }

    /** The key path of a child of {@code parent} called {@code key}. */
    public static String childPath(String parent, String key) {
        return parent.isEmpty() ? key : parent + "." + key;
    }

    public Kind kind() {
        return kind;
    }

    public ConfigLocation location() {
        return location;
    }

    /** The key path from the document root, e.g. {@code routes[0].match}; empty for the root. */
    public String path() {
        return path;
    }

    public boolean isNull() {
        return kind == Kind.NULL;
    }

    public boolean isMap() {
        return kind == Kind.MAP;
    }

    public boolean isList() {
        return kind == Kind.LIST;
    }

    public boolean isScalar() {
        return kind == Kind.SCALAR;
    }

    /** A {@link ConfigException} about this node. */
    public ConfigException error(String reason) {
        return new ConfigException(location, path, reason);
    }

    // ---- maps ---------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private Map<String, ConfigNode> entries() {
        if (kind == Kind.NULL) {
            return Map.of();
        }
        if (kind != Kind.MAP) {
            throw error("is a " + describe() + " (expected: a map of keys)");
        }
        return (Map<String, ConfigNode>) value;
    }

    /** The keys of this map, in file order. A null node has no keys. */
    public Set<String> keys() {
        return entries().keySet();
    }

    /** Whether this map has {@code key} with a non-null value. */
    public boolean has(String key) {
        ConfigNode child = entries().get(key);
        return child != null && !child.isNull();
    }

    /** The value of {@code key}; fails naming the key when it is absent or null. */
    public ConfigNode get(String key) {
        ConfigNode child = entries().get(key);
        if (child == null || child.isNull()) {
            throw new ConfigException(location, childPath(path, key), "is required but missing");
        }
        return child;
    }

    /** The value of {@code key}, or empty when absent or null. */
    public Optional<ConfigNode> find(String key) {
        ConfigNode child = entries().get(key);
        return child == null || child.isNull() ? Optional.empty() : Optional.of(child);
    }

    /** The value of {@code key}, or a null node at the right path when absent. */
    public ConfigNode getOrNull(String key) {
        ConfigNode child = entries().get(key);
        return child != null ? child : nullNode(location, childPath(path, key));
    }

    /**
     * Fails naming the first key of this map that is not in {@code allowed}, listing what is.
     * Unknown keys are almost always typos; silently ignoring them hides broken config.
     */
    public ConfigNode requireOnlyKeys(String... allowed) {
        Set<String> known = Set.of(allowed);
        for (Map.Entry<String, ConfigNode> e : entries().entrySet()) {
            if (!known.contains(e.getKey())) {
                ConfigNode child = e.getValue();
                throw new ConfigException(child.location, childPath(path, e.getKey()),
                        "unknown key (expected one of: " + String.join(", ", new TreeSet<>(known)) + ")");
            }
        }
        return this;
    }

    /**
     * Fails unless exactly one of {@code keys} is present, naming them. Used for "one of" choices
     * such as a route's {@code forward}, {@code redirect} or {@code respond}.
     */
    public String requireExactlyOne(String... keys) {
        String found = null;
        for (String key : keys) {
            if (has(key)) {
                if (found != null) {
                    throw error("has both '" + found + "' and '" + key + "' (expected: exactly one of "
                            + String.join(", ", keys) + ")");
                }
                found = key;
            }
        }
        if (found == null) {
            throw error("needs one of: " + String.join(", ", keys));
        }
        return found;
    }

    // ---- lists --------------------------------------------------------------------------------

    /** The items of this list; a null node is an empty list. */
    @SuppressWarnings("unchecked")
    public List<ConfigNode> items() {
        if (kind == Kind.NULL) {
            return List.of();
        }
        if (kind != Kind.LIST) {
            throw error("is a " + describe() + " (expected: a list)");
        }
        return (List<ConfigNode>) value;
    }

    /** A list of strings; a single scalar is accepted as a one-item list. */
    public List<String> asStringList() {
        if (kind == Kind.SCALAR) {
            return List.of(asString());
        }
        List<String> out = new ArrayList<>();
        for (ConfigNode item : items()) {
            out.add(item.asString());
        }
        return List.copyOf(out);
    }

    /** A map of string to string, e.g. labels or headers to set. */
    public Map<String, String> asStringMap() {
        Map<String, String> out = new LinkedHashMap<>();
        entries().forEach((k, v) -> out.put(k, v.asString()));
        return Collections.unmodifiableMap(out);
    }

    // ---- scalars ------------------------------------------------------------------------------

    /** The scalar's text. */
    public String asString() {
        if (kind != Kind.SCALAR) {
            throw error("is a " + describe() + " (expected: a single value)");
        }
        return (String) value;
    }

    public int asInt() {
        long v = asLong();
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw error(v + " is out of range (expected: a 32-bit integer)");
        }
        return (int) v;
    }

    /** An int in {@code [min, max]}. */
    public int asInt(int min, int max) {
        int v = asInt();
        if (v < min || v > max) {
            throw error(v + " (expected: " + min + " to " + max + ")");
        }
        return v;
    }

    public long asLong() {
        String s = asString().trim();
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw error("'" + s + "' is not an integer");
        }
    }

    public double asDouble() {
        String s = asString().trim();
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw error("'" + s + "' is not a number");
        }
    }

    public boolean asBoolean() {
        String s = asString().trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "true":
            case "yes":
            case "on":
                return true;
            case "false":
            case "no":
            case "off":
                return false;
            default:
                throw error("'" + s + "' (expected: true or false)");
        }
    }

    /**
     * A duration written as one or more number-unit pairs: {@code 250ms}, {@code 30s}, {@code 1m30s},
     * {@code 1.5s}, {@code 2h}. Units: ns, us, ms, s, m, h, d. A bare number is refused: "60" could
     * mean seconds or milliseconds, and guessing wrong is a silent outage.
     */
    public Duration asDuration() {
        String s = asString().trim();
        Duration d = parseDuration(s);
        if (d == null) {
            throw error("'" + s + "' is not a duration (expected: e.g. 250ms, 30s, 1m30s, 2h)");
        }
        return d;
    }

    /** Parses a duration as {@link #asDuration()} does, or returns null when malformed. */
    public static Duration parseDuration(String s) {
        if (s.isEmpty()) {
            return null;
        }
        Matcher m = DURATION_PART.matcher(s);
        int at = 0;
        double nanos = 0;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                return null;
            }
            double n = Double.parseDouble(m.group(1));
            nanos += n * unitNanos(m.group(2));
            at = m.end();
        }
        return Duration.ofNanos((long) nanos);
    }

    private static double unitNanos(String unit) {
        switch (unit) {
            case "ns": return 1;
            case "us": return 1e3;
            case "ms": return 1e6;
            case "s": return 1e9;
            case "m": return 60e9;
            case "h": return 3600e9;
            default: return 86400e9; // "d"
        }
    }

    /**
     * A size in bytes: a number with an optional binary unit as nginx reads them ({@code 512k},
     * {@code 10m}, {@code 1g}, also {@code KiB/MiB/GiB} and {@code kb/mb/gb}, all powers of 1024).
     */
    public long asByteSize() {
        String s = asString().trim();
        long v = parseByteSize(s);
        if (v < 0) {
            throw error("'" + s + "' is not a size (expected: e.g. 1024, 512k, 10m, 1g)");
        }
        return v;
    }

    /** Parses a size as {@link #asByteSize()} does, or returns -1 when malformed. */
    public static long parseByteSize(String s) {
        Matcher m = BYTE_SIZE.matcher(s.trim());
        if (!m.matches()) {
            return -1;
        }
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        long mult = switch (unit.charAt(0)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1L;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), mult);
        } catch (NumberFormatException | ArithmeticException tooLarge) {
            return -1;
        }
    }

    /**
     * An enum constant written in kebab case: {@code round-robin} for {@code ROUND_ROBIN}. The
     * error lists every accepted spelling.
     */
    public <E extends Enum<E>> E asEnum(Class<E> type) {
        String s = asString().trim();
        String wanted = s.toUpperCase(Locale.ROOT).replace('-', '_');
        List<String> accepted = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(wanted)) {
                return constant;
            }
            accepted.add(constant.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        throw error("'" + s + "' (expected one of: " + String.join(", ", accepted) + ")");
    }

    // ---- convenience getters with defaults -------------------------------------------------------

    public String string(String key) {
        return get(key).asString();
    }

    public String string(String key, String fallback) {
        return find(key).map(ConfigNode::asString).orElse(fallback);
    }

    public int integer(String key, int fallback) {
        return find(key).map(ConfigNode::asInt).orElse(fallback);
    }

    public long longValue(String key, long fallback) {
        return find(key).map(ConfigNode::asLong).orElse(fallback);
    }

    public boolean bool(String key, boolean fallback) {
        return find(key).map(ConfigNode::asBoolean).orElse(fallback);
    }

    public Duration duration(String key, Duration fallback) {
        return find(key).map(ConfigNode::asDuration).orElse(fallback);
    }

    public long byteSize(String key, long fallback) {
        return find(key).map(ConfigNode::asByteSize).orElse(fallback);
    }

    public List<String> strings(String key) {
        return find(key).map(ConfigNode::asStringList).orElse(List.of());
    }

    /** Plain Java form of this tree (maps, lists, strings, null), e.g. for hashing or printing. */
    public Object toPlain() {
        switch (kind) {
            case MAP: {
                Map<String, Object> out = new LinkedHashMap<>();
                entries().forEach((k, v) -> out.put(k, v.toPlain()));
                return out;
            }
            case LIST: {
                List<Object> out = new ArrayList<>();
                items().forEach(i -> out.add(i.toPlain()));
                return out;
            }
            case SCALAR:
                return value;
            default:
                return null;
        }
    }

    private String describe() {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    /** Structural equality: same shape and values, locations ignored. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigNode other && kind == other.kind
                && java.util.Objects.equals(toPlain(), other.toPlain());
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hashCode(toPlain());
    }

    @Override
    public String toString() {
        return String.valueOf(toPlain());
    }
}
