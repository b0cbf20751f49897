package io.tidegate.plugins.ratelimit;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import org.pf4j.Extension;

/**
 * {@code concurrency-limit}: at most {@code limit} requests in flight per key (default: per client IP),
 * the semantics of ingress-nginx's {@code limit-connections}. Settings in docs/policy-ratelimit.md.
 */
@Extension
public final class ConcurrencyLimitFactory implements PolicyFactory {

    @Override
    public String id() {
        return "concurrency-limit";
    }

    @Override
    public Policy create(ConfigNode settings, PluginContext context) throws ConfigException {
        return new ConcurrencyLimitPolicy(ConcurrencyLimitSettings.parse(settings), context.metrics());
    }
}
