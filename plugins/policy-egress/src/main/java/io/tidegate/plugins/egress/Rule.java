package io.tidegate.plugins.egress;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

/**
 * One {@code allow} or {@code deny} entry: what it names (a host pattern, an SNI pattern or a CIDR
 * block with exceptions) and the ports and protocols it is limited to (empty: any).
 *
 * @param where the entry's config path, e.g. {@code policies[0].allow[2]}, for explanations
 */
record Rule(Kind kind, HostPattern pattern, Cidr cidr, List<Cidr> except, Set<Integer> ports,
            Set<Protocol> protocols, String where) {

    enum Kind { HOST, SNI, CIDR }

    Rule {
        except = List.copyOf(except);
        ports = Set.copyOf(ports);
        protocols = Set.copyOf(protocols);
    }

    /** Whether the port and protocol limits admit this traffic. */
    boolean admits(int port, Protocol.Traffic traffic) {
        if (!ports.isEmpty() && !ports.contains(port)) {
            return false;
        }
        if (protocols.isEmpty()) {
            return true;
        }
        for (Protocol p : protocols) {
            if (p.admits(traffic)) {
                return true;
            }
        }
        return false;
    }

    /** A host rule matching {@code host}, or an SNI rule matching {@code sni}. */
    boolean matchesName(String host, String sni) {
        return switch (kind) {
            case HOST -> pattern.matches(host);
            case SNI -> pattern.matches(sni);
            case CIDR -> false;
        };
    }

    /** A CIDR rule whose block holds {@code address} and whose exceptions do not (NetworkPolicy ipBlock). */
    boolean matchesAddress(InetAddress address) {
        if (kind != Kind.CIDR || address == null || !cidr.contains(address)) {
            return false;
        }
        for (Cidr e : except) {
            if (e.contains(address)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        String what = switch (kind) {
            case HOST -> "host " + pattern;
            case SNI -> "sni " + pattern;
            case CIDR -> "cidr " + cidr + (except.isEmpty() ? "" : " except " + except);
        };
        return what + (ports.isEmpty() ? "" : " ports " + ports) + (protocols.isEmpty() ? "" : " protocols " + protocols);
    }
}
