package io.tidegate.plugins.istio;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.source.FragmentSink;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Translates the whole current state and publishes it when it differs from the last fragment (or when
 * the source was reported unavailable since). Logs each new diagnostic once.
 */
final class Publisher {

    private final String name;
    private final IstioTranslator translator;
    private final FragmentSink sink;
    private final System.Logger log;
    private final boolean kubernetesServices;
    private Fragment published;
    private boolean republish;

    Publisher(String name, IstioTranslator translator, FragmentSink sink, System.Logger log,
              boolean kubernetesServices) {
        this.kubernetesServices = kubernetesServices;
        this.name = requireNonNull(name, "name");
        this.translator = requireNonNull(translator, "translator");
        this.sink = requireNonNull(sink, "sink");
        this.log = requireNonNull(log, "log");
    }

    synchronized Fragment publish(List<? extends HasMetadata> objects, List<Diagnostic> extra) {
        Fragment f = translator.translate(IstioTranslator.Snapshot.of(objects, kubernetesServices));
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
            log.log(Level.INFO, "istio source " + name + ": " + f.routes().size() + " routes, "
                    + f.clusters().size() + " clusters, " + f.certificates().size() + " certificates");
            published = f;
            republish = false;
            sink.publish(f);
        }
        return f;
    }

    synchronized void unavailable(String reason) {
        republish = true;
        sink.unavailable(reason);
    }
}
