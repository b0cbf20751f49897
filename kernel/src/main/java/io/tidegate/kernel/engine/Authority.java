package io.tidegate.kernel.engine;

import java.util.Locale;

/** Parsing and validation of an authority ({@code host[:port]}, {@code [v6]:port}) per RFC 3986 section 3.2. */
final class Authority {

    private Authority() {
    }

    /** Whether {@code value} is a syntactically valid authority without userinfo. */
    static boolean isValid(String value) {
        if (value.isEmpty() || value.length() > 255) {
            return value.isEmpty(); // an empty Host is allowed (RFC 9112 section 3.2)
        }
        int portStart = portSeparator(value);
        String host = portStart < 0 ? value : value.substring(0, portStart);
        if (portStart >= 0) {
            String port = value.substring(portStart + 1);
            if (port.isEmpty() || port.length() > 5) {
                return false;
            }
            for (int i = 0; i < port.length(); i++) {
                if (!Character.isDigit(port.charAt(i))) {
                    return false;
                }
            }
            if (Integer.parseInt(port) > 65535) {
                return false;
            }
        }
        if (host.startsWith("[")) {
            if (!host.endsWith("]") || host.length() < 3) {
                return false;
            }
            for (int i = 1; i < host.length() - 1; i++) {
                char c = host.charAt(i);
                if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                    return false;
                }
            }
            return true;
        }
        if (host.isEmpty()) {
            return false;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == '%' || c == '!' || c == '$'
                    || c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+' || c == ','
                    || c == ';' || c == '=';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The host part, lower case, without port or brackets. */
    static String host(String authority) {
        int portStart = portSeparator(authority);
        String host = portStart < 0 ? authority : authority.substring(0, portStart);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1); // "example.com." is example.com
        }
        return host.toLowerCase(Locale.ROOT);
    }

    /** The port, or {@code defaultPort} when none is given. */
    static int port(String authority, int defaultPort) {
        int portStart = portSeparator(authority);
        if (portStart < 0 || portStart == authority.length() - 1) {
            return defaultPort;
        }
        try {
            return Integer.parseInt(authority.substring(portStart + 1));
        } catch (NumberFormatException e) {
            return defaultPort;
        }
    }

    private static int portSeparator(String authority) {
        int colon = authority.lastIndexOf(':');
        if (colon < 0) {
            return -1;
        }
        int bracket = authority.lastIndexOf(']');
        return colon > bracket ? colon : -1;
    }
}
