package io.tidegate.spi.model;

import java.util.List;

/**
 * Downstream TLS for an {@code https} listener. Certificates themselves are {@link Certificate}s
 * chosen by SNI; these settings say how the handshake is run.
 *
 * @param minVersion lowest protocol accepted, e.g. {@code TLSv1.2} (the default) or {@code TLSv1.3}
 * @param alpn protocols offered by ALPN, in preference order, e.g. {@code [h2, http/1.1]}
 * @param clientCaPem PEM CA bundle to verify client certificates with (mTLS); null: no client auth
 * @param requireClientCertificate whether a client certificate is mandatory when {@code clientCaPem} is set
 * @param defaultCertificate name of the certificate served when SNI matches none; null: the first
 */
public record TlsSettings(String minVersion, List<String> alpn, String clientCaPem,
                          boolean requireClientCertificate, String defaultCertificate) {

    public TlsSettings {
        minVersion = minVersion == null ? "TLSv1.2" : minVersion;
        alpn = List.copyOf(alpn);
    }

    @Override
    public String toString() {
        return "TlsSettings[minVersion=" + minVersion + ", alpn=" + alpn + ", mtls=" + (clientCaPem != null)
                + ", defaultCertificate=" + defaultCertificate + "]";
    }
}
