package io.tidegate.plugins.egress;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The policy's settings, parsed once when the policy is created (docs/policy-egress.md).
 *
 * @param audit log and count would-be denials, and let the traffic pass
 */
record EgressSettings(EgressRules rules, boolean audit) {

    static EgressSettings parse(ConfigNode settings) throws ConfigException {
        settings.requireOnlyKeys("mode", "audit", "denyLocal", "allow", "deny");
        EgressRules.Mode mode = settings.find("mode").map(n -> n.asEnum(EgressRules.Mode.class))
                .orElse(EgressRules.Mode.DENY);
        boolean audit = settings.bool("audit", false);
        boolean denyLocal = settings.bool("denyLocal", true);
        List<Rule> allow = rules(settings.getOrNull("allow"));
        List<Rule> deny = rules(settings.getOrNull("deny"));
        return new EgressSettings(new EgressRules(mode, denyLocal, allow, deny), audit);
    }

    private static List<Rule> rules(ConfigNode list) {
        List<Rule> out = new ArrayList<>();
        for (ConfigNode item : list.items()) {
            out.add(rule(item));
        }
        return out;
    }

    private static Rule rule(ConfigNode item) {
        item.requireOnlyKeys("host", "sni", "cidr", "except", "ports", "protocols");
        String kind = item.requireExactlyOne("host", "sni", "cidr");
        if (!kind.equals("cidr") && item.has("except")) {
            throw item.get("except").error("only a cidr rule has exceptions (this rule names a " + kind + ")");
        }
        HostPattern pattern = null;
        Cidr cidr = null;
        List<Cidr> except = new ArrayList<>();
        ConfigNode named = item.get(kind);
        try {
            if (kind.equals("cidr")) {
                cidr = Cidr.parse(named.asString());
            } else {
                pattern = HostPattern.parse(named.asString());
            }
        } catch (IllegalArgumentException e) {
            throw named.error(e.getMessage());
        }
        for (ConfigNode e : item.getOrNull("except").items()) {
            Cidr block;
            try {
                block = Cidr.parse(e.asString());
            } catch (IllegalArgumentException bad) {
                throw e.error(bad.getMessage());
            }
            if (!cidr.covers(block)) {
                throw e.error("'" + block + "' is outside the rule's cidr " + cidr
                        + " (expected: a block inside it, as NetworkPolicy ipBlock requires)");
            }
            except.add(block);
        }
        Set<Integer> ports = new LinkedHashSet<>();
        for (ConfigNode p : item.getOrNull("ports").items()) {
            ports.add(p.asInt(1, 65535));
        }
        Set<Protocol> protocols = new LinkedHashSet<>();
        for (ConfigNode p : item.getOrNull("protocols").items()) {
            try {
                protocols.add(Protocol.parse(p.asString()));
            } catch (IllegalArgumentException bad) {
                throw p.error(bad.getMessage());
            }
        }
        Rule.Kind k = switch (kind) {
            case "host" -> Rule.Kind.HOST;
            case "sni" -> Rule.Kind.SNI;
            default -> Rule.Kind.CIDR;
        };
        return new Rule(k, pattern, cidr, except, ports, protocols, item.path());
    }
}
