package io.tidegate.plugins.kubernetes;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.tidegate.plugins.support.DirectoryWatcher;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.source.ConfigSource;
import io.tidegate.spi.source.FragmentSink;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Offline mode ({@code manifests: [dirs]}): the same objects read from files, watched (file events
 * plus a rescan every {@code pollInterval}), and the same translation. A file that cannot be read
 * keeps its last good objects and is reported with its name.
 */
final class ManifestSource implements ConfigSource {

    private final String name;
    private final KubernetesSettings settings;
    private final ScheduledExecutorService scheduler;
    private final System.Logger log;
    private final IngressTranslator translator;
    private final Consumer<IngressTranslator.Translation> afterReload;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final Map<Path, List<HasMetadata>> lastGood = new HashMap<>();
    /** The text each file had when it was last parsed: an unchanged file is not parsed again. */
    private final Map<Path, String> lastText = new HashMap<>();
    private boolean published;
    private final Object lock = new Object();

    private volatile boolean closed;
    private Publisher publisher;
    private DirectoryWatcher watcher;
    private Future<?> poll;

    ManifestSource(String name, KubernetesSettings settings, ScheduledExecutorService scheduler, System.Logger log,
                   IngressTranslator translator, Consumer<IngressTranslator.Translation> afterReload) {
        this.name = requireNonNull(name, "name");
        this.settings = requireNonNull(settings, "settings");
        this.scheduler = requireNonNull(scheduler, "scheduler");
        this.log = requireNonNull(log, "log");
        this.translator = requireNonNull(translator, "translator");
        this.afterReload = requireNonNull(afterReload, "afterReload");
    }

    @Override
    public synchronized void start(FragmentSink sink) {
        if (publisher != null) {
            throw new IllegalStateException("kubernetes source " + name + " already started");
        }
        publisher = new Publisher(name, translator, sink, log);
        Set<Path> dirs = new LinkedHashSet<>();
        for (Path p : settings.manifests()) {
            dirs.add(Files.isDirectory(p) || p.getParent() == null ? p : p.getParent());
        }
        try {
            watcher = new DirectoryWatcher("tidegate-source-kubernetes-" + name, List.copyOf(dirs), this::changed,
                    log);
            watcher.start();
        } catch (IOException e) {
            log.log(Level.WARNING, "kubernetes source " + name + ": no watch service (" + e + "); polling only");
        }
        scheduler.execute(this::reload);
        long every = settings.pollInterval().toNanos();
        poll = scheduler.scheduleWithFixedDelay(this::reload, every, every, TimeUnit.NANOSECONDS);
    }

    private void changed() {
        if (closed || !pending.compareAndSet(false, true)) {
            return;
        }
        try {
            scheduler.schedule(() -> {
                pending.set(false);
                reload();
            }, settings.debounce().toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            pending.set(false);
        }
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
                    List<Path> files;
                    try {
                        files = ManifestReader.list(root);
                    } catch (NoSuchFileException e) {
                        problems.add(Diagnostic.error(Provenance.of(name, root.toString()), "manifests",
                                "does not exist"));
                        continue;
                    }
                    for (Path file : files) {
                        if (!seen.add(file)) {
                            continue;
                        }
                        try {
                            String text = Files.readString(file, java.nio.charset.StandardCharsets.UTF_8);
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
                            problems.add(Diagnostic.error(Provenance.of(name, file.toString()), "",
                                    e.getMessage() + (old.isEmpty() ? "" : "; its last good objects stay live")));
                        }
                    }
                }
                changed |= lastGood.keySet().retainAll(seen) | lastText.keySet().retainAll(seen) || !problems.isEmpty();
                if (!changed) {
                    return; // every file as last read: translating 10,000 objects again every rescan is pure cost
                }
                IngressTranslator.Translation t = publisher.publish(Snapshot.of(objects, null), problems);
                published = true;
                afterReload.accept(t);
            } catch (IOException | RuntimeException e) {
                log.log(Level.ERROR, "kubernetes source " + name + ": reload failed", e);
                publisher.unavailable("reading manifests failed: " + e);
            } finally {
                if (watcher != null) {
                    watcher.ensureRegistered();
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        DirectoryWatcher w;
        Future<?> p;
        synchronized (this) {
            w = watcher;
            p = poll;
        }
        if (p != null) {
            p.cancel(false);
        }
        if (w != null) {
            w.close();
        }
        synchronized (lock) {
            // waits for a reload in flight
        }
    }
}
