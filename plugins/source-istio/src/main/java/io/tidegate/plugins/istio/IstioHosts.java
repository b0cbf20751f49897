package io.tidegate.plugins.istio;

import java.util.Locale;

/** Istio's host names and patterns: short-name qualification, wildcards, and Gateway server host binding. */
final class IstioHosts {

    static final String SVC_SUFFIX = ".svc.cluster.local";

    private IstioHosts() {
    }

    /** Istio's short-name rule: a name without a dot is {@code name.<ns>.svc.cluster.local}. */
    static String qualify(String host, String namespace) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("*") || h.contains(".")) {
            return h;
        }
        return h + "." + namespace + SVC_SUFFIX;
    }

    /** Whether {@code pattern} ({@code *}, {@code *.example.com} or a name) covers {@code host}. */
    static boolean hostMatches(String pattern, String host) {
        if (pattern.equals("*")) {
            return true;
        }
        if (pattern.startsWith("*.")) {
            return host.endsWith(pattern.substring(1)) || host.equals(pattern);
        }
        return pattern.equals(host);
    }

    /** A Gateway server host without its {@code namespace/} part, lower-cased. */
    static String bareHost(String h) {
        return (h.contains("/") ? h.substring(h.indexOf('/') + 1) : h).toLowerCase(Locale.ROOT);
    }

    /**
     * Whether a VirtualService host in namespace {@code vsNs} may bind to a server host of a Gateway in
     * {@code gwNs}: the namespace part ({@code *}, {@code .}: the Gateway's, or a name) admits the
     * VirtualService's namespace, and either host pattern covers the other.
     */
    static boolean admits(String serverHost, String vsHost, String vsNs, String gwNs) {
        String nsPart = serverHost.contains("/") ? serverHost.substring(0, serverHost.indexOf('/')) : "*";
        String pattern = bareHost(serverHost);
        if (!(nsPart.equals("*") || nsPart.equals(vsNs) || (nsPart.equals(".") && vsNs.equals(gwNs)))) {
            return false;
        }
        return hostMatches(pattern, vsHost) || hostMatches(vsHost, pattern);
    }
}
