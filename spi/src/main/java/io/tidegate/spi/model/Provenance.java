package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

/**
 * Where a route, cluster or certificate came from, so that every error, every {@code routes} line
 * and every {@code explain} answer can point at the object an operator edits.
 *
 * @param source the source id, e.g. {@code file}, {@code kubernetes}
 * @param object the object: a file path, or {@code Kind namespace/name} for Kubernetes objects
 * @param rule the part of the object, e.g. {@code routes[2]} or {@code spec.rules[0].paths[1]};
 *             empty when the whole object is meant
 */
public record Provenance(String source, String object, String rule) {

    public Provenance {
        requireNonNull(source, "source");
        requireNonNull(object, "object");
        requireNonNull(rule, "rule");
    }

    /** A provenance naming a whole object. */
    public static Provenance of(String source, String object) {
        return new Provenance(source, object, "");
    }

    /** The same object, a different rule. */
    public Provenance withRule(String newRule) {
        return new Provenance(source, object, newRule);
    }

    @Override
    public String toString() {
        return rule.isEmpty() ? source + ":" + object : source + ":" + object + "#" + rule;
    }
}
