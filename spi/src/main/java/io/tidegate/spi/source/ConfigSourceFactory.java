package io.tidegate.spi.source;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.plugin.PluginContext;
import org.pf4j.ExtensionPoint;

/**
 * Creates config sources of one kind. Implementations are PF4J extensions
 * ({@code @Extension}) found in plugin JARs.
 */
public interface ConfigSourceFactory extends ExtensionPoint {

    /** The id used in {@code tidegate.yaml} ({@code sources: [{id: file, ...}]}), e.g. {@code file}. */
    String id();

    /**
     * Parses and validates {@code settings} (the {@code sources:} entry without {@code id} and
     * {@code name}) and returns a source that has not started yet. Unknown keys and bad values must
     * fail here with a {@link ConfigException} naming the key; this runs at start-up and in
     * {@code tidegate validate}.
     *
     * @param name the source's name: its {@code name:} key, else its id; used in provenance
     * @param settings the source's settings
     * @param context services lent by the kernel
     */
    ConfigSource create(String name, ConfigNode settings, PluginContext context) throws ConfigException;
}
