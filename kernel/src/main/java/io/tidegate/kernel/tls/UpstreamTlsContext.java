package io.tidegate.kernel.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.tidegate.spi.model.UpstreamTls;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * TLS origination for one cluster: the client {@link SslContext}, built once when the cluster is compiled,
 * and how each connection's handler is made (SNI, hostname verification). The context is shared by every
 * connection to the cluster, so its client session cache lets a new connection resume.
 *
 * <p>Pooled upstream connections are keyed by this object's identity, so connections made under one TLS
 * setting are never reused under another.
 */
public final class UpstreamTlsContext {

    private final UpstreamTls spec;
    private final SslContext context;

    private UpstreamTlsContext(UpstreamTls spec, SslContext context) {
        this.spec = spec;
        this.context = context;
    }

    /**
     * @throws IllegalArgumentException naming the field that cannot be used
     */
    public static UpstreamTlsContext build(UpstreamTls spec) {
        return build(spec, false);
    }

    /**
     * @param http2 the cluster speaks HTTP/2: ALPN offers {@code h2} (the default when {@code alpn} is empty)
     *              and the connection is refused unless the server selects it
     * @throws IllegalArgumentException naming the field that cannot be used
     */
    public static UpstreamTlsContext build(UpstreamTls spec, boolean http2) {
        if (!spec.subjectAltNames().isEmpty()) {
            throw new IllegalArgumentException("tls.subjectAltNames: is not supported by this build yet "
                    + "(the server certificate is verified against the SNI name)");
        }
        String speaks = http2 ? ApplicationProtocolNames.HTTP_2 : ApplicationProtocolNames.HTTP_1_1;
        for (String p : spec.alpn()) {
            if (!p.equals(speaks)) {
                throw new IllegalArgumentException("tls.alpn: '" + p + "' (expected: " + speaks
                        + ", the cluster's protocol " + (http2 ? "http2" : "http1") + ")");
            }
        }
        List<String> alpn = http2 ? List.of(ApplicationProtocolNames.HTTP_2) : spec.alpn();
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(ServerContexts.provider())
                .protocols("TLSv1.3", "TLSv1.2");
        if (!spec.verify()) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else if (spec.caPem() != null) {
            b.trustManager(Pem.certificates(spec.caPem(), "tls.caPem").toArray(new X509Certificate[0]));
        }
        if (spec.clientCertificatePem() != null || spec.clientKeyPem() != null) {
            List<X509Certificate> chain = Pem.certificates(spec.clientCertificatePem(), "tls.clientCertificatePem");
            PrivateKey key = Pem.privateKey(spec.clientKeyPem(), "tls.clientKeyPem");
            if (!Pem.matches(key, chain.get(0))) {
                throw new IllegalArgumentException("tls.clientKeyPem: the private key does not match the client certificate");
            }
            b.keyManager(key, chain.toArray(new X509Certificate[0]));
        }
        if (!alpn.isEmpty()) {
            b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
        }
        try {
            return new UpstreamTlsContext(spec, b.build());
        } catch (SSLException | RuntimeException e) {
            throw new IllegalArgumentException("tls: " + e.getMessage(), e);
        }
    }

    public UpstreamTls spec() {
        return spec;
    }

    /**
     * A handler for a new connection to {@code host:port}: SNI is the cluster's {@code sni}, else the
     * endpoint's host when it is a name (never an IP literal, RFC 6066); the certificate is checked against
     * the same name (or the IP) unless verification is off.
     */
    public SslHandler newHandler(ByteBufAllocator alloc, String host, int port, long handshakeTimeoutMillis) {
        String name = spec.sni() != null ? spec.sni() : host;
        SslHandler handler = context.newHandler(alloc, name, port);
        SSLEngine engine = handler.engine();
        SSLParameters params = engine.getSSLParameters();
        if (spec.verify()) {
            params.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (spec.sni() != null) {
            params.setServerNames(List.of(new SNIHostName(spec.sni())));
        }
        engine.setSSLParameters(params);
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        return handler;
    }
}
