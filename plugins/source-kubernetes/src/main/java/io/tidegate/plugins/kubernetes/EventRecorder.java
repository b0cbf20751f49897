package io.tidegate.plugins.kubernetes;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.tidegate.spi.model.Diagnostic;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * Writes each served Ingress's receipts (annotations applied, approximated, ignored, refused; objects
 * rejected) as a Kubernetes Event on the Ingress, once per distinct receipt: a relist or an unrelated
 * change writes nothing new.
 */
final class EventRecorder {

    static final String APPLIED = "AnnotationsApplied";
    static final String IGNORED = "AnnotationsIgnored";
    static final String REFUSED = "AnnotationRefused";
    static final String REJECTED = "Rejected";

    private final KubernetesClient client;
    private final String component;
    private final ExecutorService executor;
    private final Clock clock;
    private final System.Logger log;
    private final Map<String, String> lastMessage = new HashMap<>();

    EventRecorder(KubernetesClient client, String component, ExecutorService executor, Clock clock,
                  System.Logger log) {
        this.client = client;
        this.component = component;
        this.executor = executor;
        this.clock = clock;
        this.log = log;
    }

    /** A computed Event: reason, type and message. */
    record Receipt(String reason, String type, String message) {
    }

    /** The receipt of one Ingress from the fragment's diagnostics; null when there is nothing to say. */
    static Receipt receipt(List<Diagnostic> diagnostics) {
        if (diagnostics.isEmpty()) {
            return null;
        }
        boolean annotationError = false;
        boolean otherError = false;
        boolean warning = false;
        List<String> lines = new ArrayList<>();
        for (Diagnostic d : diagnostics) {
            boolean annotation = d.field().startsWith("metadata.annotations");
            if (d.severity() == Diagnostic.Severity.ERROR) {
                annotationError |= annotation;
                otherError |= !annotation;
            }
            warning |= d.severity() == Diagnostic.Severity.WARNING;
            String rule = d.object().rule().isEmpty() ? "" : d.object().rule() + " ";
            lines.add(d.severity().name().toLowerCase(java.util.Locale.ROOT) + ": " + rule
                    + (d.field().isEmpty() || annotation ? "" : d.field() + ": ") + d.message());
        }
        String reason = otherError ? REJECTED : annotationError ? REFUSED : warning ? IGNORED : APPLIED;
        String message = String.join("; ", lines);
        if (message.length() > 1000) {
            message = message.substring(0, 997) + "...";
        }
        return new Receipt(reason, reason.equals(APPLIED) ? "Normal" : "Warning", message);
    }

    /** Emits what changed since the last call, on the executor (API calls block). */
    synchronized void record(List<Ingress> served, List<Diagnostic> diagnostics) {
        Map<String, List<Diagnostic>> byObject = new HashMap<>();
        for (Diagnostic d : diagnostics) {
            byObject.computeIfAbsent(d.object().object(), k -> new ArrayList<>()).add(d);
        }
        Set<String> live = new HashSet<>();
        for (Ingress ingress : served) {
            String key = ingress.getMetadata().getNamespace() + "/" + ingress.getMetadata().getName();
            live.add(key);
            Receipt receipt = receipt(byObject.getOrDefault("Ingress " + key, List.of()));
            if (receipt == null) {
                continue;
            }
            String dedup = receipt.reason() + "|" + receipt.message();
            if (dedup.equals(lastMessage.get(key))) {
                continue;
            }
            lastMessage.put(key, dedup);
            Event event = event(ingress, receipt);
            try {
                executor.execute(() -> {
                    try {
                        client.v1().events().inNamespace(ingress.getMetadata().getNamespace()).resource(event)
                                .create();
                    } catch (RuntimeException e) {
                        log.log(Level.WARNING, "cannot write Event on Ingress " + key + ": " + e.getMessage());
                        synchronized (this) {
                            lastMessage.remove(key, dedup); // try again on the next change
                        }
                    }
                });
            } catch (RejectedExecutionException e) {
                return; // shutting down
            }
        }
        lastMessage.keySet().retainAll(live);
    }

    private Event event(Ingress ingress, Receipt receipt) {
        String now = Instant.now(clock).toString();
        return new EventBuilder()
                .withNewMetadata()
                .withGenerateName(ingress.getMetadata().getName() + ".")
                .withNamespace(ingress.getMetadata().getNamespace())
                .endMetadata()
                .withNewInvolvedObject()
                .withApiVersion("networking.k8s.io/v1")
                .withKind("Ingress")
                .withName(ingress.getMetadata().getName())
                .withNamespace(ingress.getMetadata().getNamespace())
                .withUid(ingress.getMetadata().getUid())
                .withResourceVersion(ingress.getMetadata().getResourceVersion())
                .endInvolvedObject()
                .withReason(receipt.reason())
                .withType(receipt.type())
                .withMessage(receipt.message())
                .withNewSource().withComponent(component).endSource()
                .withReportingComponent(component)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .build();
    }
}
