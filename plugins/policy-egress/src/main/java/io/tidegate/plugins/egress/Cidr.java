package io.tidegate.plugins.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 block in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/8}); a bare address is a
 * block of one. Host bits must be zero, as Kubernetes requires for NetworkPolicy {@code ipBlock}.
 */
record Cidr(byte[] network, int prefix, String text) {

    /** Parses {@code text}; fails with a message saying what is wrong. */
    static Cidr parse(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        String ip = slash < 0 ? s : s.substring(0, slash);
        InetAddress address = literal(ip);
        if (address == null) {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR block (expected e.g. 10.0.0.0/8 or fd00::/8)");
        }
        byte[] bytes = address.getAddress();
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("'" + text + "': prefix length (expected: 0-" + max + ")");
            }
        }
        for (int bit = prefix; bit < max; bit++) {
            if ((bytes[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
                byte[] masked = mask(bytes, prefix);
                throw new IllegalArgumentException("'" + text + "' has host bits set (expected: "
                        + literalText(masked) + "/" + prefix + ")");
            }
        }
        return new Cidr(bytes, prefix, s);
    }

    boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int m = (0xff << (8 - rest)) & 0xff;
        return (a[full] & m) == (network[full] & m);
    }

    /** Whether every address of {@code other} is in this block. */
    boolean covers(Cidr other) {
        return other.network.length == network.length && other.prefix >= prefix
                && contains(addressOf(other.network));
    }

    @Override
    public String toString() {
        return text;
    }

    /**
     * The address an IP literal denotes, or null when {@code s} is not one. Never a DNS lookup: only
     * dotted-quad IPv4 and text with a colon (IPv6) reach {@link InetAddress#getByName}, which parses
     * literals without resolving.
     */
    static InetAddress literal(String s) {
        if (s.isEmpty()) {
            return null;
        }
        if (s.indexOf(':') >= 0) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                    return null; // zone ids and anything else are not accepted
                }
            }
        } else if (!isDottedQuad(s)) {
            return null;
        }
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static boolean isDottedQuad(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3) {
                return false;
            }
            for (int i = 0; i < p.length(); i++) {
                if (!Character.isDigit(p.charAt(i))) {
                    return false;
                }
            }
            if (Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] out = bytes.clone();
        for (int bit = prefix; bit < out.length * 8; bit++) {
            out[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return out;
    }

    private static InetAddress addressOf(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String literalText(byte[] bytes) {
        return addressOf(bytes).getHostAddress();
    }
}
