package io.tidegate.plugins.egress;

import java.net.InetAddress;
import java.util.List;

/**
 * The allowlist as a pure function: a target in, a verdict out. No I/O, no clock, no metrics, so the
 * decision table is tested directly ({@code EgressRulesTest}).
 *
 * <p>Order, for a request: a matching {@code deny} rule denies; an IP literal in a local range is
 * denied when {@code denyLocal} (unless an {@code allow} CIDR rule names it); a matching {@code allow}
 * rule allows; then the mode decides. For the resolved address of a forward-proxy target: a {@code deny}
 * CIDR rule holding it denies (a name resolving into a denied range: DNS rebinding), then local ranges,
 * then the request's allowing rule or an {@code allow} CIDR rule holding the address, then the mode.
 */
final class EgressRules {

    /** What is allowed when no rule matches. */
    enum Mode {
        /** Only what an allow rule names (Istio's {@code REGISTRY_ONLY}). */
        DENY,
        /** Everything a deny rule does not name (Istio's {@code ALLOW_ANY}). */
        ALLOW
    }

    /**
     * Loopback, "this network", link-local (the cloud metadata endpoint 169.254.169.254 among them),
     * Alibaba's metadata address and their IPv6 counterparts, including AWS's fd00:ec2::254.
     */
    static final List<Cidr> LOCAL = List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("0.0.0.0/8"),
            Cidr.parse("169.254.0.0/16"), Cidr.parse("100.100.100.200/32"), Cidr.parse("::1/128"),
            Cidr.parse("::/128"), Cidr.parse("fe80::/10"), Cidr.parse("fd00:ec2::254/128"));

    /**
     * What a request asks for.
     *
     * @param host the host, lower case (a name or an IP literal)
     * @param literal the host's address when it is an IP literal, else null
     * @param sni the TLS server name of a passthrough connection, else null
     * @param deferrable whether a name the rules do not allow may still be allowed by the address it
     *                   resolves to (forward-proxy requests: the kernel asks again with the address)
     */
    record Target(String host, InetAddress literal, int port, Protocol.Traffic traffic, String sni,
                  boolean deferrable) {

        @Override
        public String toString() {
            String h = literal != null && host.indexOf(':') >= 0 ? "[" + host + "]" : host;
            return port > 0 ? h + ":" + port : h;
        }
    }

    /**
     * @param code null when allowed; else {@code deny_rule}, {@code local_address}, {@code denied_address}
     *             or {@code not_allowed} (the metric label and the log's reason)
     * @param rule the deciding rule, or null
     */
    record Verdict(String code, Rule rule) {
        static final Verdict ALLOW = new Verdict(null, null);

        boolean allowed() {
            return code == null;
        }
    }

    private final Mode mode;
    private final boolean denyLocal;
    private final List<Rule> allow;
    private final List<Rule> deny;
    private final boolean hasCidrAllow;

    EgressRules(Mode mode, boolean denyLocal, List<Rule> allow, List<Rule> deny) {
        this.mode = mode;
        this.denyLocal = denyLocal;
        this.allow = List.copyOf(allow);
        this.deny = List.copyOf(deny);
        this.hasCidrAllow = allow.stream().anyMatch(r -> r.kind() == Rule.Kind.CIDR);
    }

    /** The verdict on a request (or a passthrough connection) before any address is resolved. */
    Verdict onRequest(Target t) {
        for (Rule r : deny) {
            if (r.admits(t.port(), t.traffic()) && (r.matchesName(t.host(), t.sni()) || r.matchesAddress(t.literal()))) {
                return new Verdict("deny_rule", r);
            }
        }
        if (t.literal() != null && denyLocal && isLocal(t.literal()) && allowingCidr(t, t.literal()) == null) {
            return new Verdict("local_address", null);
        }
        Rule named = allowingName(t);
        if (named == null && t.literal() != null) {
            named = allowingCidr(t, t.literal());
        }
        if (named != null || mode == Mode.ALLOW) {
            return Verdict.ALLOW;
        }
        if (t.deferrable() && t.literal() == null && hasCidrAllow) {
            return Verdict.ALLOW; // an allow CIDR rule may hold the address the name resolves to
        }
        return new Verdict("not_allowed", null);
    }

    /** The verdict on the address a forward-proxy target resolved to, just before connecting. */
    Verdict onAddress(Target t, InetAddress address) {
        for (Rule r : deny) {
            if (r.admits(t.port(), t.traffic()) && r.matchesAddress(address)) {
                return new Verdict("denied_address", r);
            }
        }
        Rule cidr = allowingCidr(t, address);
        if (denyLocal && isLocal(address) && cidr == null) {
            return new Verdict("local_address", null);
        }
        if (cidr != null || allowingName(t) != null || mode == Mode.ALLOW) {
            return Verdict.ALLOW;
        }
        return new Verdict("not_allowed", null);
    }

    private Rule allowingName(Target t) {
        for (Rule r : allow) {
            if (r.admits(t.port(), t.traffic()) && r.matchesName(t.host(), t.sni())) {
                return r;
            }
        }
        return null;
    }

    private Rule allowingCidr(Target t, InetAddress address) {
        for (Rule r : allow) {
            if (r.admits(t.port(), t.traffic()) && r.matchesAddress(address)) {
                return r;
            }
        }
        return null;
    }

    static boolean isLocal(InetAddress address) {
        for (Cidr c : LOCAL) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
