package io.tidegate.plugins.istio;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A read-only view of a parsed JSON/YAML tree (maps, lists, scalars) that knows its field path, so
 * every error names the field: {@code spec.http[2].route[0].destination.port}. Istio objects are
 * read as fabric8 {@code GenericKubernetesResource}s; this is how their specs are walked.
 */
final class Node {

    private final Object value;
    private final String path;

    Node(Object value, String path) {
        this.value = value;
        this.path = path;
    }

    String path() {
        return path;
    }

    boolean missing() {
        return value == null;
    }

    Node get(String key) {
        Object v = value instanceof Map<?, ?> m ? m.get(key) : null;
        return new Node(v, path.isEmpty() ? key : path + "." + key);
    }

    boolean has(String key) {
        return value instanceof Map<?, ?> m && m.get(key) != null;
    }

    List<Node> items() {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> l)) {
            throw new Invalid(path, "is not a list");
        }
        List<Node> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            out.add(new Node(l.get(i), path + "[" + i + "]"));
        }
        return out;
    }

    List<String> strings() {
        List<String> out = new ArrayList<>();
        for (Node n : items()) {
            out.add(n.string());
        }
        return out;
    }

    Map<String, Node> entries() {
        Map<String, Node> out = new LinkedHashMap<>();
        if (value == null) {
            return out;
        }
        if (!(value instanceof Map<?, ?> m)) {
            throw new Invalid(path, "is not a map");
        }
        m.forEach((k, v) -> out.put(String.valueOf(k), new Node(v, path + "." + k)));
        return out;
    }

    Map<String, String> stringMap() {
        Map<String, String> out = new LinkedHashMap<>();
        entries().forEach((k, v) -> out.put(k, v.string()));
        return out;
    }

    String string() {
        if (value == null) {
            throw new Invalid(path, "is required but missing");
        }
        if (value instanceof Map || value instanceof List) {
            throw new Invalid(path, "is not a string");
        }
        return String.valueOf(value);
    }

    String string(String fallback) {
        return value == null ? fallback : string();
    }

    int integer(int fallback, int min, int max) {
        if (value == null) {
            return fallback;
        }
        long v;
        if (value instanceof Number n) {
            v = n.longValue();
        } else {
            try {
                v = Long.parseLong(String.valueOf(value).trim());
            } catch (NumberFormatException e) {
                throw new Invalid(path, "'" + value + "' is not an integer");
            }
        }
        if (v < min || v > max) {
            throw new Invalid(path, v + " (expected: " + min + " to " + max + ")");
        }
        return (int) v;
    }

    double number(double fallback) {
        if (value == null) {
            return fallback;
        }
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(String.valueOf(value));
        } catch (NumberFormatException e) {
            throw new Invalid(path, "'" + value + "' is not a number");
        }
    }

    boolean bool(boolean fallback) {
        if (value == null) {
            return fallback;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        String s = String.valueOf(value);
        if (s.equals("true") || s.equals("false")) {
            return Boolean.parseBoolean(s);
        }
        throw new Invalid(path, "'" + value + "' (expected: true or false)");
    }

    /** A protobuf Duration as Istio writes it: {@code 1.5s}, {@code 100ms}, {@code 2m}, {@code 1h}. */
    Duration duration(Duration fallback) {
        if (value == null) {
            return fallback;
        }
        String s = string().trim();
        try {
            if (s.endsWith("ms")) {
                return Duration.ofNanos(Math.round(Double.parseDouble(s.substring(0, s.length() - 2)) * 1e6));
            }
            if (s.endsWith("us")) {
                return Duration.ofNanos(Math.round(Double.parseDouble(s.substring(0, s.length() - 2)) * 1e3));
            }
            double n = Double.parseDouble(s.substring(0, s.length() - 1));
            char unit = s.charAt(s.length() - 1);
            double seconds = switch (unit) {
                case 's' -> n;
                case 'm' -> n * 60;
                case 'h' -> n * 3600;
                default -> throw new NumberFormatException();
            };
            if (seconds < 0) {
                throw new NumberFormatException();
            }
            return Duration.ofNanos(Math.round(seconds * 1e9));
        } catch (RuntimeException e) {
            throw new Invalid(path, "'" + s + "' is not a duration (expected: e.g. 250ms, 5s, 1m)");
        }
    }

    Invalid error(String message) {
        return new Invalid(path, message);
    }

    /** A field that cannot be translated; rejects the smallest enclosing unit (a rule, a subset, an object). */
    static final class Invalid extends RuntimeException {
        final String field;

        Invalid(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }
    }
}
