package io.tidegate.kernel.testing;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.time.Duration;
import java.time.Instant;

/**
 * Certificates made at test time with Netty's PKI test kit (BouncyCastle underneath): a CA and the leaves
 * it signs, valid from an hour ago for a day, so nothing committed can expire.
 */
public final class TestPki {

    private TestPki() {
    }

    /** A self-signed CA. */
    public static X509Bundle ca(String cn) {
        try {
            return new CertificateBuilder().subject("CN=" + cn).setIsCertificateAuthority(true).ecp256()
                    .notBefore(Instant.now().minus(Duration.ofHours(1))).notAfter(Instant.now().plus(Duration.ofDays(1)))
                    .buildSelfSigned();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server certificate for {@code names} (DNS SANs; "127.0.0.1" becomes an IP SAN). */
    public static X509Bundle server(X509Bundle ca, String... names) {
        CertificateBuilder b = new CertificateBuilder().subject("CN=" + names[0]).ecp256()
                .notBefore(Instant.now().minus(Duration.ofHours(1))).notAfter(Instant.now().plus(Duration.ofDays(1)))
                .addExtendedKeyUsageServerAuth();
        for (String n : names) {
            if (Character.isDigit(n.charAt(0))) {
                b.addSanIpAddress(n);
            } else {
                b.addSanDnsName(n);
            }
        }
        try {
            return b.buildIssuedBy(ca);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client certificate (mutual TLS). */
    public static X509Bundle client(X509Bundle ca, String cn) {
        try {
            return new CertificateBuilder().subject("CN=" + cn).ecp256()
                    .notBefore(Instant.now().minus(Duration.ofHours(1))).notAfter(Instant.now().plus(Duration.ofDays(1)))
                    .addExtendedKeyUsageClientAuth().buildIssuedBy(ca);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The chain without the root, leaf first, as a server sends it. */
    public static String chainPem(X509Bundle leaf) {
        StringBuilder sb = new StringBuilder();
        for (var c : leaf.getCertificatePath()) {
            if (!c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                sb.append(pem(c));
            }
        }
        return sb.toString();
    }

    public static String pem(java.security.cert.X509Certificate c) {
        try {
            return "-----BEGIN CERTIFICATE-----\n"
                    + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(c.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
