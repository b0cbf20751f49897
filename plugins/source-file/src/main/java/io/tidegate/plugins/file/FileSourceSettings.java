package io.tidegate.plugins.file;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.plugin.PluginContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A file source's settings in {@code tidegate.yaml}.
 *
 * @param paths files and directories, resolved, in precedence order
 * @param watch whether to follow changes; false: read once at start
 * @param pollInterval how often everything is re-read in case the watch service missed a change
 * @param debounce how long to wait after a change event before reading, to let a burst settle
 */
record FileSourceSettings(List<Path> paths, boolean watch, Duration pollInterval, Duration debounce) {

    static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
    static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(100);
    private static final Duration MIN_POLL_INTERVAL = Duration.ofMillis(100);
    private static final Duration MAX_DEBOUNCE = Duration.ofSeconds(10);

    FileSourceSettings {
        paths = List.copyOf(paths);
    }

    /**
     * Reads and checks the settings; every configured path must exist now.
     *
     * @throws io.tidegate.spi.config.ConfigException naming the key and what was expected
     */
    static FileSourceSettings parse(ConfigNode settings, PluginContext context) {
        settings.requireOnlyKeys("paths", "watch", "pollInterval", "debounce");
        ConfigNode pathsNode = settings.get("paths");
        List<ConfigNode> items = pathsNode.isScalar() ? List.of(pathsNode) : pathsNode.items();
        if (items.isEmpty()) {
            throw pathsNode.error("is empty (expected: at least one file or directory)");
        }
        List<Path> paths = new ArrayList<>();
        for (ConfigNode item : items) {
            String text = item.asString();
            if (text.isBlank()) {
                throw item.error("is empty (expected: a file or directory)");
            }
            Path path = context.resolvePath(text);
            if (!Files.exists(path)) {
                throw item.error("'" + text + "' (" + path + ") does not exist (expected: a file or directory)");
            }
            if (!Files.isDirectory(path) && !Files.isRegularFile(path)) {
                throw item.error("'" + text + "' (" + path + ") is neither a file nor a directory");
            }
            if (!Files.isReadable(path)) {
                throw item.error("'" + text + "' (" + path + ") is not readable by this process");
            }
            if (!paths.contains(path)) {
                paths.add(path);
            }
        }
        Duration poll = settings.duration("pollInterval", DEFAULT_POLL_INTERVAL);
        if (poll.compareTo(MIN_POLL_INTERVAL) < 0) {
            throw settings.get("pollInterval").error(poll.toMillis() + "ms (expected: >= 100ms)");
        }
        Duration debounce = settings.duration("debounce", DEFAULT_DEBOUNCE);
        if (debounce.compareTo(MAX_DEBOUNCE) > 0) {
            throw settings.get("debounce").error(debounce.toMillis() + "ms (expected: 0ms to 10s)");
        }
        return new FileSourceSettings(paths, settings.bool("watch", true), poll, debounce);
    }

    /** The directories to watch: each directory, and the parent of each file. */
    List<Path> watchedDirectories() {
        List<Path> dirs = new ArrayList<>();
        for (Path path : paths) {
            Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
            if (dir != null && !dirs.contains(dir)) {
                dirs.add(dir);
            }
        }
        return dirs;
    }
}
