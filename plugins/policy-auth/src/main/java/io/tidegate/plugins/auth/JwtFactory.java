package io.tidegate.plugins.auth;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import org.pf4j.Extension;

/** {@code jwt}: signed JWTs (RS256, ES256, HS256, ...) checked against a JWK set, local or fetched. */
@Extension
public final class JwtFactory implements PolicyFactory {

    @Override
    public String id() {
        return "jwt";
    }

    @Override
    public Policy create(ConfigNode settings, PluginContext context) throws ConfigException {
        return JwtPolicy.create(settings, context);
    }
}
