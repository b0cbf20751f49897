package io.tidegate.plugins.auth;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import org.pf4j.Extension;

/** {@code ext-auth}: asks an HTTP service about each request (ingress-nginx auth-url, Envoy ext_authz HTTP). */
@Extension
public final class ExtAuthFactory implements PolicyFactory {

    @Override
    public String id() {
        return "ext-auth";
    }

    @Override
    public Policy create(ConfigNode settings, PluginContext context) throws ConfigException {
        return ExtAuthPolicy.create(settings, context);
    }
}
