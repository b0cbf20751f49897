package io.tidegate.plugins.auth;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import org.pf4j.Extension;

/** {@code basic-auth}: HTTP Basic against an htpasswd user list ([docs/policy-auth.md]). */
@Extension
public final class BasicAuthFactory implements PolicyFactory {

    @Override
    public String id() {
        return "basic-auth";
    }

    @Override
    public Policy create(ConfigNode settings, PluginContext context) throws ConfigException {
        return BasicAuthPolicy.create(settings, context);
    }
}
