package io.tidegate.plugins.file;

/**
 * Tells IP literals from host names without touching DNS ({@code InetAddress.getByName} would resolve
 * a name, which a config parser must never do).
 */
final class IpLiterals {

    private IpLiterals() {
    }

    static boolean isIp(String host) {
        return isIpv4(host) || isIpv6(host);
    }

    static boolean isIpv4(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return false;
            }
            if (Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    /** Full, compressed ({@code ::}) and IPv4-suffixed forms; a {@code %zone} suffix is allowed. */
    static boolean isIpv6(String host) {
        String s = host;
        int zone = s.indexOf('%');
        if (zone >= 0) {
            if (zone == s.length() - 1) {
                return false;
            }
            s = s.substring(0, zone);
        }
        if (s.indexOf(':') < 0) {
            return false;
        }
        int doubleColon = s.indexOf("::");
        if (doubleColon >= 0 && s.indexOf("::", doubleColon + 1) >= 0) {
            return false;
        }
        String[] groups = s.split(":", -1);
        int words = 0;
        for (int i = 0; i < groups.length; i++) {
            String g = groups[i];
            if (g.isEmpty()) {
                continue; // part of "::" (validated above) or a leading/trailing one of it
            }
            if (i == groups.length - 1 && g.indexOf('.') >= 0) {
                if (!isIpv4(g)) {
                    return false;
                }
                words += 2;
            } else if (g.length() <= 4 && g.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                words++;
            } else {
                return false;
            }
        }
        if (doubleColon < 0) {
            return words == 8 && !s.startsWith(":") && !s.endsWith(":");
        }
        boolean badEdge = (s.startsWith(":") && !s.startsWith("::")) || (s.endsWith(":") && !s.endsWith("::"));
        return words <= 7 && !badEdge;
    }
}
