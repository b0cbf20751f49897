package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

/**
 * Something a source or the kernel has to say about one object: an error (the object was rejected,
 * or a reference is broken), a warning (applied with an approximation) or a note (e.g. which
 * annotations were applied). Shown at {@code GET /sources} and by {@code tidegate validate}.
 *
 * @param severity how bad
 * @param object the object, with its rule where it helps
 * @param field the offending field or key path, e.g. {@code spec.rules[0].host}; empty when none
 * @param message what happened and what was expected
 */
public record Diagnostic(Severity severity, Provenance object, String field, String message) {

    /** How bad. */
    public enum Severity { ERROR, WARNING, INFO }

    public Diagnostic {
        requireNonNull(severity, "severity");
        requireNonNull(object, "object");
        field = field == null ? "" : field;
        requireNonNull(message, "message");
    }

    public static Diagnostic error(Provenance object, String field, String message) {
        return new Diagnostic(Severity.ERROR, object, field, message);
    }

    public static Diagnostic warning(Provenance object, String field, String message) {
        return new Diagnostic(Severity.WARNING, object, field, message);
    }

    @Override
    public String toString() {
        return severity + " " + object + (field.isEmpty() ? "" : " " + field) + ": " + message;
    }
}
