package io.tidegate.plugins.support.kubernetes;

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
 * Translates the whole current state and publishes the fragment when it differs from the last one (or
 * when the source was reported unavailable since: a publish is what clears that). Logs each new
 * diagnostic once, naming its object.
 */
final class FragmentPublisher<T> {

    private final SourceContext source;
    private final ObjectTranslator<T> translator;
    private final FragmentSink sink;
    private Fragment published;
    private boolean republish;

    FragmentPublisher(SourceContext source, ObjectTranslator<T> translator, FragmentSink sink) {
        this.source = requireNonNull(source, "source");
        this.translator = requireNonNull(translator, "translator");
        this.sink = requireNonNull(sink, "sink");
    }

    /**
     * Translates and publishes if needed, with the source's own diagnostics ({@code extra}) first;
     * returns the translation with the fragment as published.
     */
    synchronized T publish(List<HasMetadata> objects, List<Diagnostic> extra) {
        T t = translator.translate(objects);
        Fragment f = translator.fragment(t);
        if (!extra.isEmpty()) {
            List<Diagnostic> all = new ArrayList<>(extra);
            all.addAll(f.diagnostics());
            f = new Fragment(f.routes(), f.tcpRoutes(), f.clusters(), f.certificates(), all);
        }
        if (!f.equals(published) || republish) {
            Set<Diagnostic> before = published == null ? Set.of() : new HashSet<>(published.diagnostics());
            for (Diagnostic d : f.diagnostics()) {
                if (!before.contains(d) && d.severity() != Diagnostic.Severity.INFO) {
                    source.log().log(d.severity() == Diagnostic.Severity.ERROR ? Level.WARNING : Level.INFO,
                            d.toString());
                }
            }
            List<String> counts = new ArrayList<>(translator.counts(t));
            counts.add(f.routes().size() + " routes");
            counts.add(f.clusters().size() + " clusters");
            counts.add(f.certificates().size() + " certificates");
            source.log().log(Level.INFO, source.label() + ": " + String.join(", ", counts));
            published = f;
            republish = false;
            sink.publish(f);
        }
        return translator.withFragment(t, f);
    }

    synchronized void unavailable(String reason) {
        republish = true;
        sink.unavailable(reason);
    }
}
