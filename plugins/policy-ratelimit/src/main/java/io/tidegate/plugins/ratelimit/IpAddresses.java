package io.tidegate.plugins.ratelimit;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Parses IP literals without ever touching DNS ({@code InetAddress.getByName} resolves names, which
 * neither a config parser nor the request path may do).
 */
final class IpAddresses {

    private IpAddresses() {
    }

    /**
     * The address of an IPv4 or IPv6 literal (IPv6 may be in brackets, IPv4-mapped IPv6 becomes
     * IPv4), or null when {@code s} is not one.
     */
    static InetAddress parse(String s) {
        if (s == null) {
            return null;
        }
        String t = s.trim();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        if (t.isEmpty()) {
            return null;
        }
        if (t.indexOf(':') < 0) {
            byte[] v4 = parseV4(t);
            if (v4 == null) {
                return null;
            }
            try {
                return InetAddress.getByAddress(v4);
            } catch (UnknownHostException impossible) {
                return null;
            }
        }
        if (t.indexOf('%') >= 0 || !isV6Syntax(t)) {
            return null;
        }
        try {
            // Contains ':' and only hex digits, '.', ':': the JDK parses it as an IPv6 literal, no DNS.
            return InetAddress.getByName(t);
        } catch (UnknownHostException notALiteral) {
            return null;
        }
    }

    private static boolean isV6Syntax(String t) {
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (!(c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                return false;
            }
        }
        return true;
    }

    /** Four decimal octets, each 0-255 without a sign; null otherwise. */
    static byte[] parseV4(String t) {
        byte[] out = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= t.length(); i++) {
            char c = i == t.length() ? '.' : t.charAt(i);
            if (c == '.') {
                if (digits == 0 || part > 3) {
                    return null;
                }
                out[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                value = value * 10 + (c - '0');
                if (++digits > 3 || value > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }

    /** The address as a 32-bit int when IPv4 (without allocating), for prefix matching. */
    static int v4Bits(Inet4Address a) {
        return a.hashCode(); // Inet4Address.hashCode() is the address, big-endian (documented behaviour since 1.0)
    }
}
