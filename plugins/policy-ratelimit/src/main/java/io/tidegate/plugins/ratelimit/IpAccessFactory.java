package io.tidegate.plugins.ratelimit;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import org.pf4j.Extension;

/**
 * {@code ip-access}: allow and deny lists of CIDRs, judged on the client address
 * ({@link ClientAddress}). Settings: {@code allow}, {@code deny}, {@code trustedProxies},
 * {@code status}; see docs/policy-ipaccess.md.
 */
@Extension
public final class IpAccessFactory implements PolicyFactory {

    @Override
    public String id() {
        return "ip-access";
    }

    @Override
    public Policy create(ConfigNode settings, PluginContext context) throws ConfigException {
        settings.requireOnlyKeys("allow", "deny", "trustedProxies", "status");
        CidrSet allow = CidrSet.parse(settings.getOrNull("allow"));
        CidrSet deny = CidrSet.parse(settings.getOrNull("deny"));
        if (allow.isEmpty() && deny.isEmpty()) {
            throw settings.error("needs 'allow' or 'deny' (or both): a list of CIDRs");
        }
        CidrSet trusted = CidrSet.parse(settings.getOrNull("trustedProxies"));
        int status = settings.find("status").map(n -> n.asInt(400, 599)).orElse(403);
        return new IpAccessPolicy(allow, deny, new ClientAddress(trusted), status);
    }
}
