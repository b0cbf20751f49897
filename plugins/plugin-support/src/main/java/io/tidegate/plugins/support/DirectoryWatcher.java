package io.tidegate.plugins.support;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns file-system events in a set of directories into "something changed" calls, on one daemon
 * thread. It does not say what changed: the source re-reads everything, which is cheap and cannot miss
 * the renames and symlink swaps editors and Kubernetes use. Events can still be missed (inotify queue
 * overflow, a directory replaced, network file systems), which is why the source also polls.
 *
 * <p>Shared by the file, Kubernetes and Istio sources (their offline manifests); each plugin carries its
 * own copy in its JAR, so this is code reuse, not a runtime dependency between plugins.
 */
public final class DirectoryWatcher implements AutoCloseable {

    private final List<Path> directories;
    private final Runnable onChange;
    private final System.Logger log;
    private final WatchService service;
    private final Map<Path, WatchKey> keys = new ConcurrentHashMap<>();
    private final Thread thread;

    /**
     * Registers every directory now, so that no change after this returns goes unnoticed.
     *
     * @throws IOException when no watch service can be created
     */
    public DirectoryWatcher(String threadName, List<Path> directories, Runnable onChange, System.Logger log)
            throws IOException {
        this.directories = List.copyOf(directories);
        this.onChange = requireNonNull(onChange, "onChange");
        this.log = requireNonNull(log, "log");
        this.service = FileSystems.getDefault().newWatchService();
        ensureRegistered();
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /**
     * Registers directories that have no valid watch: one deleted and created again, or missing when
     * the watcher started. Called after every reload.
     */
    public void ensureRegistered() {
        for (Path dir : directories) {
            WatchKey key = keys.get(dir);
            if ((key != null && key.isValid()) || !Files.isDirectory(dir)) {
                continue;
            }
            try {
                keys.put(dir, dir.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE));
            } catch (ClosedWatchServiceException e) {
                return;
            } catch (IOException e) {
                log.log(Level.WARNING, "cannot watch " + dir + " (" + e + "); changes are noticed by polling only");
            }
        }
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = service.take();
                key.pollEvents(); // which file does not matter: everything is re-read
                key.reset();
                onChange.run();
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closed: the source is shutting down
        } catch (RuntimeException e) {
            log.log(Level.ERROR, "file watcher stopped; changes are noticed by polling only", e);
        }
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            log.log(Level.DEBUG, "closing the watch service failed", e);
        }
        thread.interrupt();
    }
}
