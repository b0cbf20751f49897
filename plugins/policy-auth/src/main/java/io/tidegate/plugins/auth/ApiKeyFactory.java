package io.tidegate.plugins.auth;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import org.pf4j.Extension;

/** {@code api-key}: keys stored as SHA-256 digests, presented in a header or query parameter. */
@Extension
public final class ApiKeyFactory implements PolicyFactory {

    @Override
    public String id() {
        return "api-key";
    }

    @Override
    public Policy create(ConfigNode settings, PluginContext context) throws ConfigException {
        return ApiKeyPolicy.create(settings, context);
    }
}
