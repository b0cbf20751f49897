package io.tidegate.plugins.file;

import static java.util.Objects.requireNonNull;

import io.tidegate.plugins.support.DirectoryWatcher;
import io.tidegate.plugins.support.ReloadTriggers;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.source.ConfigSource;
import io.tidegate.spi.source.FragmentSink;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * A running file source: reads its files, publishes their whole state, and publishes again whenever
 * a file changes.
 *
 * <p>Changes are noticed two ways: a {@link DirectoryWatcher} (fast, but blind to some changes) and a
 * rescan every {@code pollInterval} (slow, but sees everything: Kubernetes ConfigMap symlink swaps,
 * editors that replace files, network file systems). A watch event starts a reload after
 * {@code debounce}, so a burst of events costs one reload and a change is live within about
 * {@code debounce} plus a read. Every reload reads everything, on the shared scheduler, one at a time;
 * a fragment equal to the last published one is not published.
 */
final class FileSource implements ConfigSource {

    private final String name;
    private final FileSourceSettings settings;
    private final ScheduledExecutorService scheduler;
    private final System.Logger log;
    private final FileLoader loader;
    private final FileTranslator translator;
    private final Consumer<Boolean> afterReload;
    private final Object reloadLock = new Object();

    private volatile boolean closed;
    private FragmentSink sink;
    private final ReloadTriggers triggers;
    private Fragment published; // guarded by reloadLock

    /**
     * @param afterReload told after every reload whether it published; tests await it, production passes a no-op
     */
    FileSource(String name, FileSourceSettings settings, ScheduledExecutorService scheduler, System.Logger log,
               FileLoader loader, FileTranslator translator, Consumer<Boolean> afterReload) {
        this.name = requireNonNull(name, "name");
        this.settings = requireNonNull(settings, "settings");
        this.scheduler = requireNonNull(scheduler, "scheduler");
        this.log = requireNonNull(log, "log");
        this.loader = requireNonNull(loader, "loader");
        this.translator = requireNonNull(translator, "translator");
        this.afterReload = requireNonNull(afterReload, "afterReload");
        this.triggers = new ReloadTriggers("tidegate-source-file-" + name, scheduler, settings.debounce(), log,
                this::reload);
    }

    @Override
    public synchronized void start(FragmentSink fragmentSink) {
        if (sink != null) {
            throw new IllegalStateException("file source " + name + " already started");
        }
        sink = requireNonNull(fragmentSink, "fragmentSink");
        if (settings.watch()) {
            // Watch before the first read, so that no change after it goes unnoticed.
            try {
                triggers.watch(settings.watchedDirectories());
            } catch (IOException e) {
                log.log(Level.WARNING, "file source " + name + ": no watch service (" + e
                        + "); changes are noticed by polling every " + settings.pollInterval().toMillis() + "ms");
            }
        }
        scheduler.execute(this::reload);
        if (settings.watch()) {
            triggers.pollEvery(settings.pollInterval());
        }
    }

    private void reload() {
        synchronized (reloadLock) {
            if (closed) {
                return;
            }
            boolean didPublish = false;
            try {
                FileLoader.Snapshot snapshot = loader.load();
                Translation translation = translator.translate(snapshot.files());
                List<Diagnostic> diagnostics = new java.util.ArrayList<>(snapshot.diagnostics());
                diagnostics.addAll(translation.diagnostics());
                Fragment fragment = new Fragment(translation.routes(), translation.tcpRoutes(), translation.clusters(),
                        translation.certificates(), diagnostics);
                if (!fragment.equals(published)) {
                    report(fragment, snapshot.files().size());
                    published = fragment;
                    sink.publish(fragment);
                    didPublish = true;
                }
            } catch (RuntimeException e) {
                log.log(Level.ERROR, "file source " + name + ": reload failed", e);
                sink.unavailable("reload failed: " + e);
            } finally {
                triggers.ensureRegistered();
            }
            afterReload.accept(didPublish);
        }
    }

    private void report(Fragment fragment, int files) {
        Set<Diagnostic> before = published == null ? Set.of() : new HashSet<>(published.diagnostics());
        for (Diagnostic d : fragment.diagnostics()) {
            if (!before.contains(d)) {
                log.log(d.severity() == Diagnostic.Severity.ERROR ? Level.WARNING : Level.INFO, d.message());
            }
        }
        long errors = fragment.diagnostics().stream().filter(d -> d.severity() == Diagnostic.Severity.ERROR).count();
        log.log(Level.INFO, "file source " + name + ": " + fragment.routes().size() + " routes, "
                + fragment.clusters().size() + " clusters from " + files + " file(s)"
                + (errors == 0 ? "" : ", " + errors + " error(s)"));
    }

    @Override
    public void close() {
        closed = true;
        triggers.close();
        synchronized (reloadLock) {
            // waits for a reload in flight: nothing is published once close() returns
        }
    }
}
