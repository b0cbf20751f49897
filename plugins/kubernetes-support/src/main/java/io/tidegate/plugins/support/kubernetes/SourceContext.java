package io.tidegate.plugins.support.kubernetes;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.ScheduledExecutorService;

/**
 * Who a source is and what it runs on.
 *
 * @param kind the source id ({@code kubernetes}, {@code istio}): messages say {@code "<kind> source <name>"},
 *             threads are named after it
 * @param name the source's name in {@code tidegate.yaml}
 * @param scheduler where reloads, rebuilds and health checks run (the plugin context's)
 * @param log the plugin's logger
 */
public record SourceContext(String kind, String name, ScheduledExecutorService scheduler, System.Logger log) {

    public SourceContext {
        requireNonNull(kind, "kind");
        requireNonNull(name, "name");
        requireNonNull(scheduler, "scheduler");
        requireNonNull(log, "log");
    }

    /** How messages name this source, e.g. {@code kubernetes source ingress}. */
    public String label() {
        return kind + " source " + name;
    }
}
