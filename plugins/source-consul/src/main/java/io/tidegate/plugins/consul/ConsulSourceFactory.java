package io.tidegate.plugins.consul;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.source.ConfigSource;
import io.tidegate.spi.source.ConfigSourceFactory;
import org.pf4j.Extension;

/**
 * The {@code consul} config source: clusters from the Consul catalog and health API, routes from
 * service tags and optionally from a KV prefix, all followed live with blocking queries. Described in
 * {@code docs/source-consul.md}.
 *
 * <pre>
 * sources:
 *   - id: consul
 *     address: http://127.0.0.1:8500
 *     kvPrefix: tidegate/routes/
 * </pre>
 */
@Extension
public final class ConsulSourceFactory implements ConfigSourceFactory {

    @Override
    public String id() {
        return "consul";
    }

    @Override
    public ConfigSource create(String name, ConfigNode settings, PluginContext context) {
        requireNonNull(name, "name");
        ConsulSettings parsed = ConsulSettings.parse(settings, context);
        ConsulApi api;
        try {
            api = new KiwiConsulApi(parsed);
        } catch (IllegalArgumentException e) {
            throw (settings.has("tls") ? settings.get("tls") : settings).error(e.getMessage());
        }
        KvRoutes kv = parsed.kvPrefix() == null ? null : new KvRoutes(name, context.yaml());
        return new ConsulSource(name, parsed, api, context.scheduler(), context.logger("source-consul"), kv,
                context.metrics());
    }
}
