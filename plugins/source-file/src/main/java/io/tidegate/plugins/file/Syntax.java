package io.tidegate.plugins.file;

import io.tidegate.spi.config.ConfigNode;
import java.util.Locale;

/**
 * Checks on single values that the kernel would otherwise reject later. Catching them here lets the
 * error carry the file, line and key, and rejects only the one object instead of the whole fragment.
 */
final class Syntax {

    private Syntax() {
    }

    /** A non-empty name without whitespace: route and cluster names appear in metrics and logs. */
    static String name(ConfigNode node) {
        String s = node.asString();
        if (s.isEmpty() || s.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw node.error("\"" + s + "\" (expected: a non-empty name without spaces)");
        }
        return s;
    }

    /**
     * A route host pattern, lower-cased: {@code *}, {@code example.com} or {@code *.example.com}. The same
     * rules as the kernel's, plus no port: a request's host is matched without its port, so a pattern with
     * one would never match.
     */
    static String hostPattern(ConfigNode node) {
        String raw = node.asString();
        String host = raw.toLowerCase(Locale.ROOT);
        if (host.equals("*")) {
            return host;
        }
        String name = host.startsWith("*.") ? host.substring(2) : host;
        if (name.indexOf('*') >= 0) {
            throw node.error("\"" + raw + "\" (expected: * only as the whole first label, as in *.example.com)");
        }
        checkHost(node, raw, name);
        return host;
    }

    /** A host name or IP literal without port or wildcard, lower-cased (redirect and rewrite targets). */
    static String hostName(ConfigNode node) {
        String raw = node.asString();
        String host = raw.toLowerCase(Locale.ROOT);
        if (host.indexOf('*') >= 0) {
            throw node.error("\"" + raw + "\" (expected: a host name without wildcard)");
        }
        checkHost(node, raw, host);
        return host;
    }

    private static void checkHost(ConfigNode node, String raw, String host) {
        if (host.startsWith("[") && host.endsWith("]") && IpLiterals.isIpv6(host.substring(1, host.length() - 1))) {
            return;
        }
        if (host.isEmpty() || host.startsWith(".") || host.endsWith(".") || host.contains("..")) {
            throw node.error("\"" + raw + "\" (expected: a host name such as api.example.com, without empty labels)");
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == ':') {
                throw node.error("\"" + raw + "\" (expected: a host name without port; hosts match regardless of port)");
            }
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_')) {
                throw node.error("\"" + raw + "\" (expected: a host name of letters, digits, '-', '_' and '.')");
            }
        }
    }

    /** An RFC 9110 field name (a token), lower-cased as HTTP/2 sends them. */
    static String headerName(ConfigNode node) {
        return headerName(node, node.asString());
    }

    /** As {@link #headerName(ConfigNode)}, for a name that is a map key rather than a value. */
    static String headerName(ConfigNode at, String name) {
        if (!isToken(name)) {
            throw at.error("\"" + name + "\" is not a header name (expected: letters, digits and !#$%&'*+-.^_`|~)");
        }
        return name.toLowerCase(Locale.ROOT);
    }

    /** A header value that cannot split the header block: no CR, LF or NUL. */
    static String headerValue(ConfigNode node) {
        String value = node.asString();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                throw node.error("contains a line break or NUL (expected: a single-line header value)");
            }
        }
        return value;
    }

    /** A request method token, upper-cased. */
    static String method(ConfigNode node) {
        String s = node.asString();
        if (!isToken(s)) {
            throw node.error("\"" + s + "\" (expected: a method name such as GET or POST)");
        }
        return s.toUpperCase(Locale.ROOT);
    }

    /** An absolute path: starts with {@code /}. */
    static String absolutePath(ConfigNode node) {
        String s = node.asString();
        if (!s.startsWith("/")) {
            throw node.error("\"" + s + "\" (expected: a path starting with /)");
        }
        if (s.chars().anyMatch(c -> c <= ' ' || c == 0x7f || c == '?' || c == '#')) {
            throw node.error("\"" + s + "\" (expected: a path without spaces, control characters, ? or #)");
        }
        return s;
    }

    /** An RE2 regex, checked as far as the JDK allows (see {@link Re2Check}). */
    static String regex(ConfigNode node) {
        String s = node.asString();
        String problem = Re2Check.problem(s);
        if (problem != null) {
            throw node.error("\"" + s + "\" (expected: RE2 syntax; " + problem + ")");
        }
        return s;
    }

    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
