package io.tidegate.plugins.file;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Listener;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.source.ConfigSource;
import io.tidegate.spi.source.ConfigSourceFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.pf4j.Extension;

/**
 * The {@code file} config source: routes and clusters from YAML files and directories, watched for
 * changes. The format is described in {@code docs/source-file.md}.
 *
 * <pre>
 * sources:
 *   - id: file
 *     paths: [conf/routes.d]
 * </pre>
 */
@Extension
public final class FileSourceFactory implements ConfigSourceFactory {

    @Override
    public String id() {
        return "file";
    }

    @Override
    public ConfigSource create(String name, ConfigNode settings, PluginContext context) {
        return create(name, settings, context, published -> { });
    }

    /** As {@link #create(String, ConfigNode, PluginContext)}; {@code afterReload} lets tests await reloads. */
    ConfigSource create(String name, ConfigNode settings, PluginContext context, Consumer<Boolean> afterReload) {
        requireNonNull(name, "name");
        FileSourceSettings parsed = FileSourceSettings.parse(settings, context);
        Map<String, ListenerProtocol> listeners = new LinkedHashMap<>();
        for (Listener listener : context.listeners()) {
            listeners.put(listener.name(), listener.protocol());
        }
        return new FileSource(name, parsed, context.scheduler(), context.logger("source-file"),
                new FileLoader(name, parsed.paths(), context.yaml()), new FileTranslator(name, listeners),
                afterReload);
    }
}
