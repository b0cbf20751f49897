package io.tidegate.kernel.tls;

import io.netty.handler.ssl.SslContext;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.ListenerTls;
import io.tidegate.spi.model.Certificate;
import io.tidegate.spi.model.Diagnostic;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Compiles the certificates of every source into one {@link SniMap} per {@code https} listener.
 *
 * <p>A certificate that cannot be served (unparseable PEM, a key that is not the certificate's, a bad
 * server name) is left out alone with an error against its source object; the others keep serving. An
 * expired certificate is served (a client may accept it; falling back to another name's certificate would
 * fail every client) with a warning. When two certificates claim a name, the first in source order wins and
 * the other is warned about.
 *
 * <p>Contexts are built once per (listener, certificate) and kept while the certificate stays the same, so
 * a reload that does not touch a certificate keeps its context, and with it its session cache and ticket
 * keys: resumption survives unrelated config changes. Used by one thread at a time (the reconciler's).
 */
public final class TlsCompiler {

    /** A source's certificates, in source order. */
    public record SourceCertificates(String source, List<Certificate> certificates) {
    }

    /**
     * What a compiled certificate depends on. Listeners with equal TLS settings share contexts; the PEM
     * strings compare by identity first, so a lookup for an unchanged fragment is cheap.
     */
    private record CacheKey(ListenerTls settings, String name, List<String> serverNames, String chainPem,
                            String keyPem, String clientCaPem, Certificate.ClientAuth clientAuth) {
    }

    /** A certificate ready to serve: its context, the names it serves, when it expires. */
    private record Compiled(SniMap.Entry entry, List<String> names, Instant notAfter) {
    }

    /** A certificate by identity: the same object of the same source, whatever its content. */
    private record NameKey(String listener, String source, String name) {
    }

    /** What a certificate last compiled to: its context and the names it served. */
    private record Good(SniMap.Entry entry, List<String> names) {
    }

    private final Map<String, ListenerTls> listeners = new LinkedHashMap<>();
    private final Map<String, SniMap.Entry> listenerDefaults = new HashMap<>();
    private Map<CacheKey, Compiled> cache = new HashMap<>();
    private Map<NameKey, Good> lastGood = new HashMap<>();

    /**
     * @throws IllegalArgumentException when a listener's own default certificate cannot be served (the config
     *         loader checks it first, so this means the files changed in between)
     */
    public TlsCompiler(List<GatewayConfig.ListenerConfig> all) {
        for (GatewayConfig.ListenerConfig l : all) {
            if (l.tls() == null) {
                continue;
            }
            listeners.put(l.name(), l.tls());
            if (l.tls().certificatePem() != null) {
                SslContext ctx = ServerContexts.build(l.tls(), l.tls().certificatePem(), l.tls().privateKeyPem(),
                        "listeners." + l.name() + ".tls.certFile");
                listenerDefaults.put(l.name(), new SniMap.Entry(l.tls().certFile(), ctx));
            }
        }
    }

    /** Whether any listener terminates TLS. */
    public boolean hasListeners() {
        return !listeners.isEmpty();
    }

    /** Compiles; diagnostics are added per source name. */
    public Map<String, SniMap> compile(List<SourceCertificates> sources, Map<String, ? extends Collection<Diagnostic>>
            diagnosticsBySource) {
        Map<CacheKey, Compiled> nextCache = new HashMap<>();
        Map<NameKey, Good> nextGood = new HashMap<>();
        Map<String, SniMap> out = new HashMap<>();
        boolean first = true;
        for (Map.Entry<String, ListenerTls> listener : listeners.entrySet()) {
            String name = listener.getKey();
            Map<String, SniMap.Entry> exact = new HashMap<>();
            Map<String, SniMap.Entry> wildcards = new HashMap<>();
            Map<String, Certificate> claimedBy = new HashMap<>();
            SniMap.Entry firstEntry = null;
            for (SourceCertificates source : sources) {
                @SuppressWarnings("unchecked")
                Collection<Diagnostic> diags = (Collection<Diagnostic>) diagnosticsBySource.get(source.source());
                for (Certificate cert : source.certificates()) {
                    CacheKey key = new CacheKey(listener.getValue(), cert.name(), cert.serverNames(),
                            cert.certificateChainPem(), cert.privateKeyPem(), cert.clientCaPem(), cert.clientAuth());
                    Compiled compiled = nextCache.get(key);
                    if (compiled == null) {
                        compiled = cache.get(key);
                    }
                    SniMap.Entry entry;
                    List<String> names;
                    try {
                        if (compiled == null) {
                            List<X509Certificate> chain = Pem.certificates(cert.certificateChainPem(),
                                    "certificateChainPem");
                            List<String> served = serverNames(cert, chain.get(0));
                            compiled = new Compiled(new SniMap.Entry(cert.name(), context(listener.getValue(),
                                    cert), cert.clientCaPem() != null), served, chain.get(0).getNotAfter().toInstant());
                        }
                        nextCache.put(key, compiled);
                        entry = compiled.entry();
                        names = compiled.names();
                    } catch (IllegalArgumentException e) {
                        // A renewal caught half-written (new key, old chain) must not take the name down:
                        // the version that last compiled keeps serving until the new one is whole.
                        Good previous = lastGood.get(new NameKey(name, source.source(), cert.name()));
                        if (first && diags != null) {
                            diags.add(Diagnostic.error(cert.provenance(), field(e.getMessage()),
                                    withoutField(e.getMessage()) + "; certificate '" + cert.name() + "' rejected"
                                            + (previous != null ? ", its last good version keeps serving" : "")));
                        }
                        if (previous == null) {
                            continue;
                        }
                        entry = previous.entry();
                        names = previous.names();
                    }
                    nextGood.put(new NameKey(name, source.source(), cert.name()), new Good(entry, names));
                    if (first && diags != null && compiled != null) {
                        diags.addAll(expiry(cert, compiled.notAfter()));
                    }
                    if (firstEntry == null) {
                        firstEntry = entry;
                    }
                    for (String serverName : names) {
                        boolean wildcard = serverName.startsWith("*.");
                        Map<String, SniMap.Entry> target = wildcard ? wildcards : exact;
                        String k = wildcard ? serverName.substring(1) : serverName;
                        Certificate owner = claimedBy.putIfAbsent(serverName, cert);
                        if (owner != null) {
                            if (first && diags != null && owner != cert) {
                                diags.add(Diagnostic.warning(cert.provenance(), "serverNames",
                                        "server name '" + serverName + "' is also claimed by certificate '"
                                                + owner.name() + "' (" + owner.provenance() + "), which comes first and wins"));
                            }
                            continue;
                        }
                        target.put(k, entry);
                    }
                }
            }
            SniMap.Entry fallback = listenerDefaults.getOrDefault(name, firstEntry);
            out.put(name, new SniMap(name, exact, wildcards, fallback));
            first = false; // diagnostics once, not once per listener
        }
        cache = nextCache;
        lastGood = nextGood;
        return out;
    }

    /**
     * The certificate's context under the listener's settings; a certificate with its own client CA verifies
     * clients against it, whatever the listener's {@code clientAuth} (Istio's per-server MUTUAL).
     */
    private static SslContext context(ListenerTls settings, Certificate cert) {
        if (cert.clientCaPem() == null) {
            return ServerContexts.build(settings, cert.certificateChainPem(), cert.privateKeyPem(), "certificate");
        }
        ListenerTls.ClientAuth auth = cert.clientAuth() == Certificate.ClientAuth.REQUIRE
                ? ListenerTls.ClientAuth.REQUIRE : ListenerTls.ClientAuth.OPTIONAL;
        return ServerContexts.build(settings, cert.certificateChainPem(), cert.privateKeyPem(), "certificate",
                cert.clientCaPem(), auth);
    }

    private static String field(String message) {
        if (message.startsWith("clientCaPem")) {
            return "clientCaPem";
        }
        if (message.startsWith("certificateChainPem")) {
            return "certificateChainPem";
        }
        if (message.startsWith("serverNames")) {
            return "serverNames";
        }
        return message.contains("private key") || message.contains("PEM key") ? "privateKeyPem"
                : "certificateChainPem";
    }

    /** The message without its leading {@code field: } (the diagnostic names the field). */
    private static String withoutField(String message) {
        for (String prefix : new String[] {"certificateChainPem: ", "privateKeyPem: ", "certificate: ", "serverNames: ",
                "clientCaPem: "}) {
            if (message.startsWith(prefix)) {
                return message.substring(prefix.length());
            }
        }
        return message;
    }

    private static List<Diagnostic> expiry(Certificate cert, Instant notAfter) {
        if (notAfter.isBefore(Instant.now())) {
            return List.of(Diagnostic.warning(cert.provenance(), "certificateChainPem", "certificate '"
                    + cert.name() + "' expired on " + notAfter + "; served anyway (clients may refuse it)"));
        }
        return List.of();
    }

    /** The names it serves: as the source says, or else the certificate's DNS subject alternative names. */
    private static List<String> serverNames(Certificate cert, X509Certificate leaf) {
        List<String> raw = cert.serverNames();
        if (raw.isEmpty()) {
            raw = new ArrayList<>();
            try {
                if (leaf.getSubjectAlternativeNames() != null) {
                    for (List<?> san : leaf.getSubjectAlternativeNames()) {
                        if (Integer.valueOf(2).equals(san.get(0))) {
                            raw.add((String) san.get(1));
                        }
                    }
                }
            } catch (CertificateParsingException e) {
                throw new IllegalArgumentException("certificateChainPem: unreadable subject alternative names", e);
            }
            if (raw.isEmpty()) {
                throw new IllegalArgumentException("serverNames: empty, and the certificate has no DNS names "
                        + "(expected: names such as example.com or *.example.com)");
            }
        }
        List<String> out = new ArrayList<>();
        for (String s : raw) {
            String n = s.toLowerCase(Locale.ROOT);
            if (n.endsWith(".")) {
                n = n.substring(0, n.length() - 1);
            }
            String labels = n.startsWith("*.") ? n.substring(2) : n;
            if (labels.isEmpty() || labels.indexOf('*') >= 0 || labels.startsWith(".") || labels.contains("..")
                    || labels.chars().anyMatch(c -> c <= ' ' || c == '/' || c == ':' || c == 0x7f)) {
                throw new IllegalArgumentException("serverNames: '" + s
                        + "' (expected: a host name, or *.suffix with * as the whole first label)");
            }
            out.add(n);
        }
        return out;
    }

    /** Names of the listeners compiled for. */
    public Set<String> listenerNames() {
        return listeners.keySet();
    }
}
