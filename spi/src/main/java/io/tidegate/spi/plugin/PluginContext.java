package io.tidegate.spi.plugin;

import io.tidegate.spi.model.Listener;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the kernel lends to a plugin. Deliberately small: a plugin never sees the kernel's object
 * graph, Netty or the routing table.
 */
public interface PluginContext {

    /**
     * A shared scheduler for background work (polling, debouncing, refreshing keys). Not an event
     * loop: short blocking work such as reading a file is fine here; long blocking calls should use
     * the plugin's own threads.
     */
    ScheduledExecutorService scheduler();

    /** The clock to read time from (tests may substitute it). */
    Clock clock();

    /** Prometheus metrics, exported at the admin {@code /metrics}. */
    Metrics metrics();

    /** A logger; messages go to the gateway's log with the plugin's name. */
    System.Logger logger(String name);

    /** Reads YAML into location-aware {@link io.tidegate.spi.config.ConfigNode} trees. */
    YamlReader yaml();

    /** Resolves host names asynchronously (never on an event loop's time). */
    DnsResolver dns();

    /** The listeners configured in {@code tidegate.yaml}. */
    List<Listener> listeners();

    /** Resolves a path from config: absolute paths as they are, relative ones against the install dir. */
    Path resolvePath(String path);
}
