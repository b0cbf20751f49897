package io.tidegate.kernel.plugin;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.policy.PolicyFactory;
import io.tidegate.spi.source.ConfigSourceFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginManager;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;

/**
 * Loads every plugin JAR in the plugins directory with PF4J and indexes their extensions by id.
 *
 * <p>Class loading: a plugin's own classes and libraries come from its JAR first; {@code spi},
 * PF4J and SLF4J are not in plugin JARs ({@code provided}) and come from the kernel's class loader,
 * so the kernel and every plugin agree on the spi types.
 */
public final class PluginHost implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PluginHost.class.getName());

    private final Path dir;
    private PluginManager manager;
    private final Map<String, String> failures = new TreeMap<>();
    private final Map<String, ConfigSourceFactory> sources = new LinkedHashMap<>();
    private final Map<String, PolicyFactory> policies = new LinkedHashMap<>();

    public PluginHost(Path dir) {
        this.dir = requireNonNull(dir, "dir");
    }

    /** Loads and starts every plugin; failures are recorded, not thrown (see {@link #failures()}). */
    public void load() {
        if (!Files.isDirectory(dir)) {
            failures.put(dir.toString(), "plugins directory does not exist");
            return;
        }
        manager = new DefaultPluginManager(dir);
        manager.loadPlugins();
        manager.startPlugins();
        Set<Path> loadedJars = manager.getPlugins().stream().map(PluginWrapper::getPluginPath)
                .map(p -> p.toAbsolutePath().normalize()).collect(Collectors.toSet());
        for (PluginWrapper plugin : manager.getPlugins()) {
            if (plugin.getPluginState() != PluginState.STARTED) {
                Throwable cause = plugin.getFailedException();
                failures.put(plugin.getPluginId(), cause != null ? cause.toString() : "state " + plugin.getPluginState());
                continue;
            }
            index(plugin.getPluginId());
        }
        for (Path jar : jars()) {
            if (!loadedJars.contains(jar.toAbsolutePath().normalize())) {
                failures.put(jar.getFileName().toString(),
                        "not a loadable plugin (missing Plugin-Id in its manifest, or a duplicate id)");
            }
        }
        failures.forEach((id, reason) -> LOG.log(System.Logger.Level.WARNING, "plugin " + id + " failed to load: "
                + reason));
        LOG.log(System.Logger.Level.INFO, "plugins: sources " + sources.keySet() + ", policies " + policies.keySet());
    }

    private void index(String pluginId) {
        for (ConfigSourceFactory f : manager.getExtensions(ConfigSourceFactory.class, pluginId)) {
            ConfigSourceFactory clash = sources.putIfAbsent(f.id(), f);
            if (clash != null) {
                failures.put(pluginId, "source id '" + f.id() + "' is already provided by another plugin");
            }
        }
        for (PolicyFactory f : manager.getExtensions(PolicyFactory.class, pluginId)) {
            PolicyFactory clash = policies.putIfAbsent(f.id(), f);
            if (clash != null) {
                failures.put(pluginId, "policy id '" + f.id() + "' is already provided by another plugin");
            }
        }
    }

    private List<Path> jars() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Source factories by id. */
    public Map<String, ConfigSourceFactory> sources() {
        return Map.copyOf(sources);
    }

    /** Policy factories by id. */
    public Map<String, PolicyFactory> policies() {
        return Map.copyOf(policies);
    }

    /** Plugins (or JARs) that failed to load, with the reason. */
    public Map<String, String> failures() {
        return Map.copyOf(failures);
    }

    /**
     * The error for a config entry naming an id no loaded plugin provides: what is available and
     * which plugins failed, so the operator sees the real cause.
     */
    public String unknownIdMessage(String kind, String id, Set<String> available) {
        List<String> parts = new ArrayList<>();
        parts.add("no loaded plugin provides " + kind + " '" + id + "' (available: "
                + (available.isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(available))) + ")");
        if (!failures.isEmpty()) {
            parts.add("plugins that failed to load: " + failures.entrySet().stream()
                    .map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining("; ")));
        }
        parts.add("plugins dir: " + dir);
        return String.join("; ", parts);
    }

    @Override
    public void close() {
        if (manager != null) {
            manager.stopPlugins();
            manager.unloadPlugins();
        }
    }
}
