package io.tidegate.plugins.ratelimit;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import java.time.Duration;
import org.pf4j.Extension;

/**
 * {@code rate-limit}: local buckets, or global ones in Redis when {@code redis:} is set, and
 * connection limits per client. Settings in docs/policy-ratelimit.md.
 */
@Extension
public final class RateLimitFactory implements PolicyFactory {

    /** How often idle local buckets are forgotten (also whenever the map is full). */
    static final Duration SWEEP_PERIOD = Duration.ofMinutes(1);

    @Override
    public String id() {
        return "rate-limit";
    }

    @Override
    public Policy create(ConfigNode settings, PluginContext context) throws ConfigException {
        RateLimitSettings s = RateLimitSettings.parse(settings);
        LocalLimiter local = null;
        RedisLimiter redis = null;
        if (s.rate() != null && s.redis() == null) {
            local = new LocalLimiter(s.rate().intervalNanos(), s.burst(), s.maxKeys(), context.scheduler());
        } else if (s.redis() != null) {
            redis = new RedisLimiter(s.redis().uri(), s.redis().timeout(), s.rate().intervalNanos(), s.burst(),
                    context.scheduler(), context.logger("rate-limit"));
        }
        RateLimitPolicy policy = new RateLimitPolicy(s, context.clock(), local, redis, context.metrics(),
                context.logger("rate-limit"));
        policy.sweepEvery(SWEEP_PERIOD, context.scheduler());
        return policy;
    }
}
