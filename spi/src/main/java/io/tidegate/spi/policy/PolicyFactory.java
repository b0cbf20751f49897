package io.tidegate.spi.policy;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.plugin.PluginContext;
import org.pf4j.ExtensionPoint;

/**
 * Creates policies of one kind. Implementations are PF4J extensions ({@code @Extension}).
 *
 * <p>Settings are parsed and validated once, in {@link #create}; the returned {@link Policy} is
 * shared by every request of its binding and must be thread-safe.
 */
public interface PolicyFactory extends ExtensionPoint {

    /** The id used in {@code tidegate.yaml} and in route bindings, e.g. {@code rate-limit}. */
    String id();

    /**
     * Validates {@code settings} and returns a ready policy. Unknown keys and bad values fail with a
     * {@link ConfigException} naming the key. Called at start-up for {@code policies:} entries and
     * when a routing table is compiled for route bindings (only for settings not seen before: equal
     * settings reuse the existing policy).
     */
    Policy create(ConfigNode settings, PluginContext context) throws ConfigException;
}
