package io.tidegate.spi.model;

import java.util.List;

/**
 * TLS origination to a cluster's endpoints. {@link #toString()} never prints the key.
 *
 * @param sni server name sent; null: the cluster's host
 * @param caPem PEM CA bundle to verify the server with; null: the system roots
 * @param verify whether to verify the server's certificate and name (true unless told otherwise)
 * @param clientCertificatePem client chain for mutual TLS; null: none
 * @param clientKeyPem client key for mutual TLS
 * @param alpn protocols offered, e.g. {@code [h2, http/1.1]}; empty: http/1.1 only
 * @param subjectAltNames names accepted in the server certificate; empty: the SNI name
 */
public record UpstreamTls(String sni, String caPem, boolean verify, String clientCertificatePem, String clientKeyPem,
                          List<String> alpn, List<String> subjectAltNames) {

    public UpstreamTls {
        alpn = List.copyOf(alpn);
        subjectAltNames = List.copyOf(subjectAltNames);
    }

    @Override
    public String toString() {
        return "UpstreamTls[sni=" + sni + ", verify=" + verify + ", customCa=" + (caPem != null) + ", mtls="
                + (clientCertificatePem != null) + ", alpn=" + alpn + "]";
    }
}
