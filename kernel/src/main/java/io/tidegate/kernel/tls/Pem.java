package io.tidegate.kernel.tls;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM certificates and keys, read with the JDK alone (no BouncyCastle): certificate chains, PKCS#8 keys
 * ({@code BEGIN PRIVATE KEY}: RSA, EC, Ed25519) and PKCS#1 RSA keys ({@code BEGIN RSA PRIVATE KEY}, what
 * {@code openssl} and Kubernetes TLS Secrets often hold). Every failure is an {@link IllegalArgumentException}
 * whose message says what was wrong, for a diagnostic or a config error.
 */
public final class Pem {

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    private static final byte[] RSA_ALGORITHM_ID = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
            (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    private Pem() {
    }

    /** The certificates of a PEM bundle, in order; at least one. */
    public static List<X509Certificate> certificates(String pem, String what) {
        if (pem == null || !pem.contains("-----BEGIN CERTIFICATE-----")) {
            throw new IllegalArgumentException(what + ": no PEM certificate found (expected: -----BEGIN CERTIFICATE-----)");
        }
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<X509Certificate> out = new ArrayList<>();
            for (var c : factory.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException(what + ": no PEM certificate found");
            }
            return out;
        } catch (CertificateException e) {
            throw new IllegalArgumentException(what + ": unparseable PEM certificate (" + e.getMessage() + ")", e);
        }
    }

    /** The first private key of a PEM text. */
    public static PrivateKey privateKey(String pem, String what) {
        Matcher m = BLOCK.matcher(pem == null ? "" : pem);
        while (m.find()) {
            String type = m.group(1);
            if (!type.endsWith("PRIVATE KEY")) {
                continue;
            }
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(m.group(2));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + ": bad base64 in the PEM key", e);
            }
            return switch (type) {
                case "PRIVATE KEY" -> pkcs8(der, what);
                case "RSA PRIVATE KEY" -> pkcs8(wrapPkcs1(der), what);
                case "ENCRYPTED PRIVATE KEY" -> throw new IllegalArgumentException(what
                        + ": encrypted private keys are not supported (expected: an unencrypted PKCS#8 or PKCS#1 key)");
                default -> throw new IllegalArgumentException(what + ": '" + type + "' keys are not supported "
                        + "(expected: BEGIN PRIVATE KEY (PKCS#8) or BEGIN RSA PRIVATE KEY; convert with "
                        + "openssl pkcs8 -topk8 -nocrypt)");
            };
        }
        throw new IllegalArgumentException(what + ": no PEM private key found (expected: -----BEGIN PRIVATE KEY-----)");
    }

    private static PrivateKey pkcs8(byte[] der, String what) {
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException | RuntimeException ignored) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException(what + ": unparseable private key (expected: RSA, EC or Ed25519)");
    }

    /** PKCS#1 RSAPrivateKey inside a PKCS#8 PrivateKeyInfo: SEQUENCE { 0, rsaEncryption, OCTET STRING }. */
    private static byte[] wrapPkcs1(byte[] pkcs1) {
        byte[] version = {0x02, 0x01, 0x00};
        byte[] octets = tlv(0x04, pkcs1);
        byte[] body = new byte[version.length + RSA_ALGORITHM_ID.length + octets.length];
        System.arraycopy(version, 0, body, 0, version.length);
        System.arraycopy(RSA_ALGORITHM_ID, 0, body, version.length, RSA_ALGORITHM_ID.length);
        System.arraycopy(octets, 0, body, version.length + RSA_ALGORITHM_ID.length, octets.length);
        return tlv(0x30, body);
    }

    private static byte[] tlv(int tag, byte[] value) {
        int n = value.length;
        byte[] length;
        if (n < 0x80) {
            length = new byte[] {(byte) n};
        } else if (n < 0x100) {
            length = new byte[] {(byte) 0x81, (byte) n};
        } else if (n < 0x10000) {
            length = new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
        } else {
            length = new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        }
        byte[] out = new byte[1 + length.length + n];
        out[0] = (byte) tag;
        System.arraycopy(length, 0, out, 1, length.length);
        System.arraycopy(value, 0, out, 1 + length.length, n);
        return out;
    }

    /** Whether {@code key} is the private half of {@code certificate}'s public key (sign, then verify). */
    public static boolean matches(PrivateKey key, X509Certificate certificate) {
        PublicKey pub = certificate.getPublicKey();
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null) {
            return true; // cannot tell; the handshake will
        }
        try {
            byte[] probe = "tidegate key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(pub);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
