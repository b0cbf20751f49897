package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A key and its chain, served to clients whose SNI matches one of {@code serverNames}, optionally with its
 * own client certificate verification (Istio's {@code MUTUAL} / {@code OPTIONAL_MUTUAL} per server).
 * {@link #toString()} never prints the key.
 *
 * @param name unique name within its source, e.g. {@code default/example-tls}
 * @param serverNames exact names or {@code *.example.com} wildcards
 * @param certificateChainPem PEM chain, leaf first
 * @param privateKeyPem PEM private key (PKCS#8 or PKCS#1)
 * @param provenance where it came from
 * @param clientCaPem CA bundle (PEM) that client certificates of handshakes selecting this certificate must
 *        chain to; null: this certificate does not verify clients, the listener's {@code clientAuth} applies
 * @param clientAuth whether those handshakes ask for a client certificate; {@link ClientAuth#NONE} exactly
 *        when {@code clientCaPem} is null
 */
public record Certificate(String name, List<String> serverNames, String certificateChainPem, String privateKeyPem,
                          Provenance provenance, String clientCaPem, ClientAuth clientAuth) {

    /** Client certificate verification of handshakes that select a certificate. */
    public enum ClientAuth {
        /** Not asked for by this certificate (the listener's setting applies). */
        NONE,
        /** Asked for and verified when sent; a client without one is let in. */
        OPTIONAL,
        /** Required: a client without a certificate chaining to {@code clientCaPem} fails the handshake. */
        REQUIRE
    }

    public Certificate {
        requireNonNull(name, "name");
        serverNames = List.copyOf(serverNames);
        requireNonNull(certificateChainPem, "certificateChainPem");
        requireNonNull(privateKeyPem, "privateKeyPem");
        requireNonNull(provenance, "provenance");
        requireNonNull(clientAuth, "clientAuth");
        if ((clientCaPem == null) != (clientAuth == ClientAuth.NONE)) {
            throw new IllegalArgumentException("clientAuth " + clientAuth + " with "
                    + (clientCaPem == null ? "no" : "a") + " clientCaPem (expected: NONE exactly without a CA)");
        }
    }

    /** A certificate that leaves client verification to the listener. */
    public Certificate(String name, List<String> serverNames, String certificateChainPem, String privateKeyPem,
                       Provenance provenance) {
        this(name, serverNames, certificateChainPem, privateKeyPem, provenance, null, ClientAuth.NONE);
    }

    /** The same certificate, verifying client certificates against {@code caPem} as {@code auth} says. */
    public Certificate withClientAuth(String caPem, ClientAuth auth) {
        return new Certificate(name, serverNames, certificateChainPem, privateKeyPem, provenance, caPem, auth);
    }

    @Override
    public String toString() {
        return "Certificate[name=" + name + ", serverNames=" + serverNames + ", privateKey=<redacted>, provenance="
                + provenance + ", clientAuth=" + clientAuth + "]";
    }
}
