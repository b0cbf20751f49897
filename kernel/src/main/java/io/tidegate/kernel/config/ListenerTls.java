package io.tidegate.kernel.config;

import java.time.Duration;
import java.util.List;

/**
 * How an {@code https} listener runs its handshakes (its {@code tls:} block in {@code tidegate.yaml}).
 * The certificates chosen by SNI come from sources; {@code certificatePem}/{@code privateKeyPem} are the
 * listener's own default certificate, served when no source certificate matches. {@link #toString()}
 * never prints the key.
 *
 * @param certFile where the default certificate was read from; null: none
 * @param certificatePem the default certificate chain, leaf first; null: none
 * @param privateKeyPem its key; null: none
 * @param minVersion {@code TLSv1.2} or {@code TLSv1.3}
 * @param ciphers TLS 1.2 cipher suites, in order; empty: the provider's secure defaults
 * @param clientAuth whether client certificates are asked for
 * @param clientCaPem CA bundle client certificates must chain to; null when {@code clientAuth} is none
 * @param sessionTimeout how long a session may be resumed
 * @param sessionCacheSize sessions kept for resumption per certificate
 * @param handshakeTimeout a handshake not done after this closes the connection
 * @param h2 ALPN offers {@code h2} before {@code http/1.1} (the listener's {@code http2.enabled})
 */
public record ListenerTls(String certFile, String certificatePem, String privateKeyPem, String minVersion,
                          List<String> ciphers, ClientAuth clientAuth, String clientCaPem, Duration sessionTimeout,
                          long sessionCacheSize, Duration handshakeTimeout, boolean h2) {

    /** Offering {@code h2}, the default. */
    public ListenerTls(String certFile, String certificatePem, String privateKeyPem, String minVersion,
                       List<String> ciphers, ClientAuth clientAuth, String clientCaPem, Duration sessionTimeout,
                       long sessionCacheSize, Duration handshakeTimeout) {
        this(certFile, certificatePem, privateKeyPem, minVersion, ciphers, clientAuth, clientCaPem, sessionTimeout,
                sessionCacheSize, handshakeTimeout, true);
    }

    /** The same settings, with ALPN offering {@code h2} or not. */
    public ListenerTls withH2(boolean offer) {
        return offer == h2 ? this : new ListenerTls(certFile, certificatePem, privateKeyPem, minVersion, ciphers,
                clientAuth, clientCaPem, sessionTimeout, sessionCacheSize, handshakeTimeout, offer);
    }

    /** Client certificate verification (mutual TLS). */
    public enum ClientAuth {
        /** No client certificate is asked for. */
        NONE,
        /** Asked for and verified when sent; a client without one is let in. */
        OPTIONAL,
        /** Required: a client without a valid one fails the handshake. */
        REQUIRE
    }

    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofMinutes(5);
    public static final long DEFAULT_SESSION_CACHE_SIZE = 20_480;
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    public ListenerTls {
        ciphers = List.copyOf(ciphers);
    }

    /** Defaults only: certificates come from sources. */
    public static ListenerTls defaults() {
        return new ListenerTls(null, null, null, "TLSv1.2", List.of(), ClientAuth.NONE, null, DEFAULT_SESSION_TIMEOUT,
                DEFAULT_SESSION_CACHE_SIZE, DEFAULT_HANDSHAKE_TIMEOUT);
    }

    @Override
    public String toString() {
        return "ListenerTls[certFile=" + certFile + ", minVersion=" + minVersion + ", ciphers=" + ciphers
                + ", clientAuth=" + clientAuth + ", sessionTimeout=" + sessionTimeout + ", sessionCacheSize="
                + sessionCacheSize + ", handshakeTimeout=" + handshakeTimeout + ", h2=" + h2 + "]";
    }
}
