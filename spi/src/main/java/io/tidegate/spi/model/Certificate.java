package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A key and its chain, served to clients whose SNI matches one of {@code serverNames}.
 * {@link #toString()} never prints the key.
 *
 * @param name unique name within its source, e.g. {@code default/example-tls}
 * @param serverNames exact names or {@code *.example.com} wildcards
 * @param certificateChainPem PEM chain, leaf first
 * @param privateKeyPem PEM private key (PKCS#8 or PKCS#1)
 * @param provenance where it came from
 */
public record Certificate(String name, List<String> serverNames, String certificateChainPem, String privateKeyPem,
                          Provenance provenance) {

    public Certificate {
        requireNonNull(name, "name");
        serverNames = List.copyOf(serverNames);
        requireNonNull(certificateChainPem, "certificateChainPem");
        requireNonNull(privateKeyPem, "privateKeyPem");
        requireNonNull(provenance, "provenance");
    }

    @Override
    public String toString() {
        return "Certificate[name=" + name + ", serverNames=" + serverNames + ", privateKey=<redacted>, provenance="
                + provenance + "]";
    }
}
