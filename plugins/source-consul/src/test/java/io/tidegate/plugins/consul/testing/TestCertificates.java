package io.tidegate.plugins.consul.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed key pairs made with the JDK's {@code keytool} (no extra library), exported as PEM the way
 * Consul's certificates are kept: {@code cert.pem} and a PKCS#8 {@code key.pem}.
 */
public final class TestCertificates {

    private static final char[] PASSWORD = "changeit".toCharArray();

    /** One key pair: its PKCS#12 store and PEM files. */
    public record KeyPair(Path store, Path certPem, Path keyPem) {

        public KeyStore keyStore() throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, PASSWORD);
            }
            return ks;
        }

        public Certificate certificate() throws Exception {
            KeyStore ks = keyStore();
            return ks.getCertificate(ks.aliases().nextElement());
        }
    }

    private TestCertificates() {
    }

    /** A self-signed EC key pair for {@code cn}, valid for 127.0.0.1 and localhost. */
    public static KeyPair create(Path dir, String cn) throws Exception {
        Path store = dir.resolve(cn + ".p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", cn, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + cn,
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", store.toString(),
                "-storetype", "PKCS12", "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + output);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASSWORD);
        }
        Certificate cert = ks.getCertificate(cn);
        Path certPem = dir.resolve(cn + "-cert.pem");
        Path keyPem = dir.resolve(cn + "-key.pem");
        Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(keyPem, pem("PRIVATE KEY", ks.getKey(cn, PASSWORD).getEncoded()));
        return new KeyPair(store, certPem, keyPem);
    }

    /** A server context presenting {@code identity} and trusting {@code trusted} client certificates. */
    public static SSLContext serverContext(KeyPair identity, List<KeyPair> trusted) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(identity.keyStore(), PASSWORD);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        int i = 0;
        for (KeyPair k : trusted) {
            trust.setCertificateEntry("client-" + i++, k.certificate());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
