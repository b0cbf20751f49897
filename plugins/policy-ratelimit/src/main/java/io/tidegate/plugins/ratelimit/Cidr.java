package io.tidegate.plugins.ratelimit;

import java.net.Inet4Address;
import java.net.InetAddress;

/** An address range, {@code 10.0.0.0/8} or {@code 2001:db8::/32}; a bare address is a /32 or /128. */
final class Cidr {

    private final byte[] network;
    private final int prefix;
    private final String text;
    /** IPv4 only: the network and mask as ints, so a match is one comparison. */
    private final int v4Network;
    private final int v4Mask;

    private Cidr(byte[] network, int prefix, String text) {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
        if (network.length == 4) {
            this.v4Mask = prefix == 0 ? 0 : -1 << (32 - prefix);
            this.v4Network = (((network[0] & 0xff) << 24) | ((network[1] & 0xff) << 16) | ((network[2] & 0xff) << 8)
                    | (network[3] & 0xff)) & v4Mask;
        } else {
            this.v4Mask = 0;
            this.v4Network = 0;
        }
    }

    /** Parses {@code text}; returns null when it is not a CIDR or address literal. */
    static Cidr parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        InetAddress address = IpAddresses.parse(slash < 0 ? t : t.substring(0, slash));
        if (address == null) {
            return null;
        }
        byte[] bytes = address.getAddress();
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String p = t.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            prefix = Integer.parseInt(p);
            if (prefix > max) {
                return null;
            }
        }
        // Normalize: clear the host bits, so 10.1.2.3/8 means 10.0.0.0/8 (as nginx and Envoy read it).
        for (int bit = prefix; bit < max; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return new Cidr(bytes, prefix, t);
    }

    boolean contains(InetAddress address) {
        if (address instanceof Inet4Address v4) {
            return network.length == 4 && (IpAddresses.v4Bits(v4) & v4Mask) == v4Network;
        }
        if (network.length != 16) {
            return false;
        }
        byte[] bytes = address.getAddress();
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (bytes[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff00 >>> rest) & 0xff;
        return (bytes[full] & mask) == (network[full] & mask);
    }

    @Override
    public String toString() {
        return text;
    }
}
