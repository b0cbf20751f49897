package io.tidegate.kernel.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.tidegate.kernel.config.ListenerTls;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Builds the server {@link SslContext}s of {@code https} listeners: once per certificate and listener, when
 * the config is compiled, never per handshake. OpenSSL (BoringSSL from netty-tcnative) when it loads, the
 * JDK's TLS otherwise.
 */
public final class ServerContexts {

    private static final System.Logger LOG = System.getLogger(ServerContexts.class.getName());

    /** Offered by ALPN on listeners with HTTP/2 enabled, in preference order. */
    static final List<String> ALPN_H2 = List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);
    /** Offered by ALPN on listeners with HTTP/2 disabled. */
    static final List<String> ALPN = List.of(ApplicationProtocolNames.HTTP_1_1);

    private static final SslProvider PROVIDER = selectProvider();

    private ServerContexts() {
    }

    private static SslProvider selectProvider() {
        if (OpenSsl.isAvailable()) {
            LOG.log(System.Logger.Level.INFO, "TLS provider: OpenSSL API, " + OpenSsl.versionString());
            return SslProvider.OPENSSL;
        }
        LOG.log(System.Logger.Level.INFO, "OpenSSL unavailable, TLS uses the JDK: " + OpenSsl.unavailabilityCause());
        return SslProvider.JDK;
    }

    /** The provider every context of this process uses: {@code OPENSSL} when netty-tcnative loads, else {@code JDK}. */
    public static SslProvider provider() {
        return PROVIDER;
    }

    /** Whether the provider knows the cipher suite (Java or OpenSSL spelling). */
    public static boolean isCipherSupported(String cipher) {
        if (PROVIDER == SslProvider.OPENSSL) {
            return OpenSsl.isCipherSuiteAvailable(cipher);
        }
        try {
            return List.of(javax.net.ssl.SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites())
                    .contains(cipher);
        } catch (java.security.NoSuchAlgorithmException e) {
            return false;
        }
    }

    /** The protocols a listener with {@code minVersion} accepts; nothing below TLS 1.2, ever. */
    static String[] protocols(String minVersion) {
        return "TLSv1.3".equals(minVersion) ? new String[] {"TLSv1.3"} : new String[] {"TLSv1.3", "TLSv1.2"};
    }

    /**
     * A server context for one certificate under one listener's settings.
     *
     * @throws IllegalArgumentException naming what is wrong with the chain, the key or the settings
     */
    public static SslContext build(ListenerTls settings, String chainPem, String keyPem, String what) {
        return build(settings, chainPem, keyPem, what, PROVIDER);
    }

    static SslContext build(ListenerTls settings, String chainPem, String keyPem, String what, SslProvider provider) {
        return build(settings, chainPem, keyPem, what, "clientCaFile", provider);
    }

    /**
     * A server context for one certificate that verifies client certificates itself: {@code clientCaPem}
     * and {@code clientAuth} replace the listener's (the other settings stay the listener's).
     *
     * @throws IllegalArgumentException naming what is wrong with the chain, the key, the CA or the settings
     */
    public static SslContext build(ListenerTls settings, String chainPem, String keyPem, String what,
                                   String clientCaPem, ListenerTls.ClientAuth clientAuth) {
        ListenerTls own = new ListenerTls(settings.certFile(), settings.certificatePem(), settings.privateKeyPem(),
                settings.minVersion(), settings.ciphers(), clientAuth, clientCaPem, settings.sessionTimeout(),
                settings.sessionCacheSize(), settings.handshakeTimeout(), settings.h2());
        return build(own, chainPem, keyPem, what, "clientCaPem", PROVIDER);
    }

    private static SslContext build(ListenerTls settings, String chainPem, String keyPem, String what, String caWhat,
                                    SslProvider provider) {
        List<X509Certificate> chain = Pem.certificates(chainPem, what);
        PrivateKey key = Pem.privateKey(keyPem, what);
        if (!Pem.matches(key, chain.get(0))) {
            throw new IllegalArgumentException(what + ": the private key does not match the certificate");
        }
        SslContextBuilder b = SslContextBuilder.forServer(key, chain.toArray(new X509Certificate[0]))
                .sslProvider(provider)
                .protocols(protocols(settings.minVersion()))
                .sessionCacheSize(settings.sessionCacheSize())
                .sessionTimeout(settings.sessionTimeout().toSeconds())
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        settings.h2() ? ALPN_H2 : ALPN));
        if (!settings.ciphers().isEmpty()) {
            b.ciphers(settings.ciphers(), IdentityCipherSuiteFilter.INSTANCE);
        }
        if (settings.clientAuth() != ListenerTls.ClientAuth.NONE) {
            b.trustManager(Pem.certificates(settings.clientCaPem(), caWhat).toArray(new X509Certificate[0]))
                    .clientAuth(settings.clientAuth() == ListenerTls.ClientAuth.REQUIRE ? ClientAuth.REQUIRE
                            : ClientAuth.OPTIONAL);
        }
        try {
            return b.build();
        } catch (SSLException | RuntimeException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
    }
}
