package io.tidegate.plugins.egress;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import org.pf4j.Extension;

/**
 * {@code id: egress}: the egress allowlist (docs/policy-egress.md). Settings are parsed and checked once
 * here; the policy is immutable and shared by every request of its binding.
 */
@Extension
public final class EgressPolicyFactory implements PolicyFactory {

    @Override
    public String id() {
        return "egress";
    }

    @Override
    public Policy create(ConfigNode settings, PluginContext context) throws ConfigException {
        return new EgressPolicy(EgressSettings.parse(settings), context);
    }
}
