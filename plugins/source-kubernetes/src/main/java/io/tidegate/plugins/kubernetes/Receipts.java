package io.tidegate.plugins.kubernetes;

import static io.tidegate.plugins.kubernetes.AnnotationParser.PREFIX;

import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Provenance;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The receipts of one Ingress's annotations, one per annotation: when an annotation gets several, the worst
 * (errors first) stays.
 */
final class Receipts {

    private final Provenance object;
    private final Map<String, Diagnostic> byKey = new TreeMap<>();

    Receipts(Provenance object) {
        this.object = object;
    }

    boolean has(String key) {
        return byKey.containsKey(key);
    }

    void info(String key, String message) {
        put(key, Diagnostic.Severity.INFO, message);
    }

    void warn(String key, String message) {
        put(key, Diagnostic.Severity.WARNING, message);
    }

    void error(String key, String message) {
        put(key, Diagnostic.Severity.ERROR, message);
    }

    private void put(String key, Diagnostic.Severity severity, String message) {
        Diagnostic old = byKey.get(key);
        if (old != null && old.severity().compareTo(severity) <= 0) {
            return; // the worse (errors sort first) receipt stays
        }
        byKey.put(key, new Diagnostic(severity, object, "metadata.annotations." + PREFIX + key, key + ": "
                + message));
    }

    /** A canary Ingress contributes its backend only: its other annotations do not apply (ingress-nginx). */
    void canaryOnly() {
        for (Map.Entry<String, Diagnostic> e : byKey.entrySet()) {
            String k = e.getKey();
            if (!k.equals("canary") && !k.startsWith("canary-")
                    && e.getValue().severity() == Diagnostic.Severity.INFO) {
                e.setValue(new Diagnostic(Diagnostic.Severity.WARNING, object, e.getValue().field(), k
                        + ": ignored: on a canary Ingress, the main Ingress's annotations apply to canary traffic"));
            }
        }
    }

    List<Diagnostic> list() {
        return List.copyOf(byKey.values());
    }
}
