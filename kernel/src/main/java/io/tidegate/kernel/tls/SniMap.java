package io.tidegate.kernel.tls;

import io.netty.handler.ssl.SslContext;
import java.util.Locale;
import java.util.Map;

/**
 * One listener's certificates by server name, immutable: exact names in one hash map, {@code *.suffix}
 * wildcards in another keyed by {@code .suffix} (a wildcard stands for exactly one label, as RFC 6125 and
 * every browser read certificates: {@code *.example.com} covers {@code a.example.com}, not
 * {@code example.com} nor {@code a.b.example.com}). A name that matches neither gets the default. A lookup
 * is at most two hash probes.
 *
 * @param listener the listener's name
 * @param exact lower-case names
 * @param wildcards lower-case {@code .suffix} keys
 * @param defaultContext served without SNI or when nothing matches; null: such handshakes fail
 * @param verifiesClients some certificate carries its own client CA (else {@link #misdirected} costs nothing)
 */
public record SniMap(String listener, Map<String, Entry> exact, Map<String, Entry> wildcards, Entry defaultContext,
                     boolean verifiesClients) {

    /**
     * A compiled certificate: its context, and the name operators know it by.
     *
     * @param verifiesClients the certificate carries its own client CA (per-certificate mutual TLS)
     */
    public record Entry(String name, SslContext context, boolean verifiesClients) {

        /** A certificate that leaves client verification to the listener. */
        public Entry(String name, SslContext context) {
            this(name, context, false);
        }
    }

    public SniMap {
        exact = Map.copyOf(exact);
        wildcards = Map.copyOf(wildcards);
    }

    /** A map whose {@code verifiesClients} is read off its certificates. */
    public SniMap(String listener, Map<String, Entry> exact, Map<String, Entry> wildcards, Entry defaultContext) {
        this(listener, exact, wildcards, defaultContext,
                exact.values().stream().anyMatch(Entry::verifiesClients)
                        || wildcards.values().stream().anyMatch(Entry::verifiesClients)
                        || defaultContext != null && defaultContext.verifiesClients());
    }

    /**
     * Whether a request for {@code host} on a connection set up for {@code serverName} must be refused with
     * 421 (RFC 9110 section 15.5.20): the host's certificate verifies clients and the connection was not
     * set up under it, so its client was never asked for the certificate that host requires (nginx does
     * the same). A connection under the right certificate, and hosts whose certificate leaves client
     * verification to the listener, are never misdirected.
     */
    public boolean misdirected(String serverName, String host) {
        if (!verifiesClients) {
            return false; // the common case: no per-certificate client CA, no lookup per request
        }
        Entry forHost = lookup(host);
        if (forHost == null || !forHost.verifiesClients()) {
            return false;
        }
        Entry forConnection = lookup(serverName);
        return forConnection == null || !forConnection.name().equals(forHost.name());
    }

    /** The entry for an SNI name (null: the client sent none); null when there is no certificate to serve. */
    public Entry lookup(String serverName) {
        if (serverName == null || serverName.isEmpty()) {
            return defaultContext;
        }
        String host = serverName.toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        Entry e = exact.get(host);
        if (e != null) {
            return e;
        }
        int dot = host.indexOf('.');
        if (dot > 0) {
            e = wildcards.get(host.substring(dot));
            if (e != null) {
                return e;
            }
        }
        return defaultContext;
    }
}
