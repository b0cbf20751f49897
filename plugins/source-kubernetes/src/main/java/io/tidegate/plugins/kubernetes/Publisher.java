package io.tidegate.plugins.kubernetes;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.source.FragmentSink;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Translates a snapshot and publishes the fragment when it differs from the last one (or when the
 * source was reported unavailable since: a publish is what clears that). Logs each new diagnostic
 * once, naming its object.
 */
final class Publisher {

    private final String name;
    private final IngressTranslator translator;
    private final FragmentSink sink;
    private final System.Logger log;
    private Fragment published;
    private boolean republish;

    Publisher(String name, IngressTranslator translator, FragmentSink sink, System.Logger log) {
        this.name = requireNonNull(name, "name");
        this.translator = requireNonNull(translator, "translator");
        this.sink = requireNonNull(sink, "sink");
        this.log = requireNonNull(log, "log");
    }

    /** Translates and publishes if needed; returns the translation (with the fragment as published). */
    synchronized IngressTranslator.Translation publish(Snapshot snapshot, List<Diagnostic> extra) {
        IngressTranslator.Translation t = translator.translate(snapshot);
        Fragment f = t.fragment();
        if (!extra.isEmpty()) {
            List<Diagnostic> all = new ArrayList<>(extra);
            all.addAll(f.diagnostics());
            f = new Fragment(f.routes(), f.tcpRoutes(), f.clusters(), f.certificates(), all);
        }
        if (!f.equals(published) || republish) {
            Set<Diagnostic> before = published == null ? Set.of() : new HashSet<>(published.diagnostics());
            for (Diagnostic d : f.diagnostics()) {
                if (!before.contains(d) && d.severity() != Diagnostic.Severity.INFO) {
                    log.log(d.severity() == Diagnostic.Severity.ERROR ? Level.WARNING : Level.INFO, d.toString());
                }
            }
            log.log(Level.INFO, "kubernetes source " + name + ": " + t.served().size() + " Ingresses, "
                    + f.routes().size() + " routes, " + f.clusters().size() + " clusters, "
                    + f.certificates().size() + " certificates");
            published = f;
            republish = false;
            sink.publish(f);
        }
        return new IngressTranslator.Translation(f, t.served(), t.gatewayStatuses());
    }

    synchronized void unavailable(String reason) {
        republish = true;
        sink.unavailable(reason);
    }

    synchronized Fragment published() {
        return published;
    }
}
