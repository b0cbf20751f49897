package io.tidegate.plugins.egress;

import java.util.Locale;

/**
 * A host name to match: exact ({@code api.example.com}), a wildcard ({@code *.example.com}: every
 * subdomain at any depth, not the apex, as Istio's ServiceEntry and Envoy's domain matching read it)
 * or {@code *} (any host).
 */
record HostPattern(String text, String exact, String suffix) {

    static HostPattern parse(String text) {
        String s = normalize(text.trim());
        if (s.equals("*")) {
            return new HostPattern(s, null, "");
        }
        if (s.startsWith("*.")) {
            String rest = s.substring(1); // ".example.com"
            check(text, rest.substring(1));
            return new HostPattern(s, null, rest);
        }
        if (s.indexOf('*') >= 0) {
            throw new IllegalArgumentException("'" + text + "': a wildcard must be the whole first label (expected e.g. *.example.com)");
        }
        check(text, s);
        return new HostPattern(s, s, null);
    }

    boolean matches(String host) {
        if (host == null) {
            return false;
        }
        if (exact != null) {
            return exact.equals(host);
        }
        return suffix.isEmpty() || (host.endsWith(suffix) && host.length() > suffix.length());
    }

    /** Lower case, one trailing dot removed: the form the kernel gives hosts in. */
    static String normalize(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    private static void check(String text, String name) {
        if (name.isEmpty() || name.startsWith(".") || name.contains("..")) {
            throw new IllegalArgumentException("'" + text + "' is not a host name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == ':')) {
                throw new IllegalArgumentException("'" + text + "' is not a host name (character '" + c + "')");
            }
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
