package io.tidegate.plugins.ratelimit;

import io.tidegate.spi.config.ConfigNode;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/** A list of ranges from config; matching is a linear scan (lists are short, and a scan does not allocate). */
final class CidrSet {

    static final CidrSet EMPTY = new CidrSet(new Cidr[0]);

    private final Cidr[] ranges;

    private CidrSet(Cidr[] ranges) {
        this.ranges = ranges;
    }

    /** Parses a list (or a single value) of CIDRs or addresses, failing on the item that is not one. */
    static CidrSet parse(ConfigNode node) {
        if (node.isNull()) {
            return EMPTY;
        }
        List<ConfigNode> items = node.isScalar() ? List.of(node) : node.items();
        List<Cidr> out = new ArrayList<>();
        for (ConfigNode item : items) {
            String text = item.asString();
            Cidr cidr = Cidr.parse(text);
            if (cidr == null) {
                throw item.error("'" + text + "' is not an address or CIDR (expected: e.g. 10.0.0.0/8, 192.0.2.7, 2001:db8::/32)");
            }
            out.add(cidr);
        }
        return new CidrSet(out.toArray(new Cidr[0]));
    }

    boolean isEmpty() {
        return ranges.length == 0;
    }

    boolean contains(InetAddress address) {
        for (Cidr c : ranges) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return List.of(ranges).toString();
    }
}
