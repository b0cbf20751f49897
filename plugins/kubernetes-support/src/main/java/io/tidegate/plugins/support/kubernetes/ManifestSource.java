package io.tidegate.plugins.support.kubernetes;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.tidegate.plugins.support.ReloadTriggers;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.source.ConfigSource;
import io.tidegate.spi.source.FragmentSink;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Offline mode ({@code manifests: [dirs]}): the objects read from files ({@link ManifestReader}), watched
 * (file events plus a rescan every {@code pollInterval}), and translated as a whole. A file that cannot
 * be read keeps its last good objects and is reported with its name; an unchanged rescan publishes
 * nothing.
 *
 * @param <T> what the plugin's translator returns
 */
public final class ManifestSource<T> implements ConfigSource {

    private final SourceContext source;
    private final SourceSettings settings;
    private final ObjectTranslator<T> translator;
    private final Consumer<T> afterReload;
    private final Map<Path, List<HasMetadata>> lastGood = new HashMap<>();
    /** The text each file had when it was last parsed: an unchanged file is not parsed again. */
    private final Map<Path, String> lastText = new HashMap<>();
    private boolean published;
    private final Object lock = new Object();

    private volatile boolean closed;
    private FragmentPublisher<T> publisher;
    private final ReloadTriggers triggers;

    /**
     * @param afterReload told each translation published (tests await reloads with it)
     */
    public ManifestSource(SourceContext source, SourceSettings settings, ObjectTranslator<T> translator,
                          Consumer<T> afterReload) {
        this.source = requireNonNull(source, "source");
        this.settings = requireNonNull(settings, "settings");
        this.translator = requireNonNull(translator, "translator");
        this.afterReload = requireNonNull(afterReload, "afterReload");
        this.triggers = new ReloadTriggers("tidegate-source-" + source.kind() + "-" + source.name(),
                source.scheduler(), settings.debounce(), source.log(), this::reload);
    }

    @Override
    public synchronized void start(FragmentSink sink) {
        if (publisher != null) {
            throw new IllegalStateException(source.label() + " already started");
        }
        publisher = new FragmentPublisher<>(source, translator, sink);
        Set<Path> dirs = new LinkedHashSet<>();
        for (Path p : settings.manifests()) {
            dirs.add(Files.isDirectory(p) || p.getParent() == null ? p : p.getParent());
        }
        try {
            triggers.watch(List.copyOf(dirs));
        } catch (IOException e) {
            source.log().log(Level.WARNING, source.label() + ": no watch service (" + e + "); polling only");
        }
        source.scheduler().execute(this::reload);
        triggers.pollEvery(settings.pollInterval());
    }

    private void reload() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            try {
                List<HasMetadata> objects = new ArrayList<>();
                List<Diagnostic> problems = new ArrayList<>();
                Set<Path> seen = new LinkedHashSet<>();
                boolean changed = !published;
                for (Path root : settings.manifests()) {
                    changed |= read(root, objects, problems, seen);
                }
                changed |= lastGood.keySet().retainAll(seen) | lastText.keySet().retainAll(seen) || !problems.isEmpty();
                if (!changed) {
                    return; // every file as last read: translating 10,000 objects again every rescan is pure cost
                }
                T t = publisher.publish(objects, problems);
                published = true;
                afterReload.accept(t);
            } catch (IOException | RuntimeException e) {
                source.log().log(Level.ERROR, source.label() + ": reload failed", e);
                publisher.unavailable("reading manifests failed: " + e);
            } finally {
                triggers.ensureRegistered();
            }
        }
    }

    /** Adds the objects of the files {@code root} stands for; whether any file changed since last read. */
    private boolean read(Path root, List<HasMetadata> objects, List<Diagnostic> problems, Set<Path> seen)
            throws IOException {
        List<Path> files;
        try {
            files = ManifestReader.list(root);
        } catch (NoSuchFileException e) {
            problems.add(Diagnostic.error(Provenance.of(source.name(), root.toString()), "manifests",
                    "does not exist"));
            return false;
        }
        boolean changed = false;
        for (Path file : files) {
            if (!seen.add(file)) {
                continue;
            }
            try {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                if (text.equals(lastText.get(file))) {
                    objects.addAll(lastGood.get(file)); // the rescan's common case: nothing to parse
                    continue;
                }
                changed = true;
                List<HasMetadata> read = ManifestReader.parse(text);
                lastGood.put(file, read);
                lastText.put(file, text);
                objects.addAll(read);
            } catch (IOException | IllegalArgumentException e) {
                changed = true;
                lastText.remove(file);
                List<HasMetadata> old = lastGood.getOrDefault(file, List.of());
                objects.addAll(old);
                problems.add(Diagnostic.error(Provenance.of(source.name(), file.toString()), "",
                        e.getMessage() + (old.isEmpty() ? "" : "; its last good objects stay live")));
            }
        }
        return changed;
    }

    @Override
    public void close() {
        closed = true;
        triggers.close();
        synchronized (lock) {
            // waits for a reload in flight
        }
    }
}
