package io.tidegate.kernel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.pkitesting.X509Bundle;
import io.tidegate.kernel.testing.TestPki;
import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.model.ListenerProtocol;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code tls:} block of an {@code https} listener: every key, and the error for each bad value. */
class ListenerTlsLoaderTest {

    @TempDir
    static Path home;

    @BeforeAll
    static void files() throws Exception {
        X509Bundle ca = TestPki.ca("Loader CA");
        X509Bundle server = TestPki.server(ca, "example.com");
        X509Bundle other = TestPki.server(ca, "other.com");
        Files.writeString(home.resolve("tls.crt"), TestPki.chainPem(server));
        Files.writeString(home.resolve("tls.key"), server.getPrivateKeyPEM());
        Files.writeString(home.resolve("other.key"), other.getPrivateKeyPEM());
        Files.writeString(home.resolve("ca.pem"), ca.getCertificatePEM());
        Files.writeString(home.resolve("garbage.pem"), "hello\n");
    }

    private GatewayConfig parse(String yaml) {
        return new GatewayConfigLoader().parse(new SnakeYamlReader().parse("tidegate.yaml", yaml).get(0),
                Path.of("tidegate.yaml"), home);
    }

    private static String https(String tls) {
        return "listeners: [{name: s, address: ':8443', protocol: https" + (tls == null ? "" : ", tls: " + tls) + "}]";
    }

    @Test
    void readsEveryKey() {
        GatewayConfig c = parse(https("{certFile: tls.crt, keyFile: tls.key, minVersion: TLSv1.3, "
                + "ciphers: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256], clientAuth: require, clientCaFile: ca.pem, "
                + "sessionTimeout: 10m, sessionCacheSize: 1000, handshakeTimeout: 3s}"));
        GatewayConfig.ListenerConfig l = c.listeners().get(0);
        assertThat(l.listener().protocol()).isEqualTo(ListenerProtocol.HTTPS);
        ListenerTls tls = l.tls();
        assertThat(tls.certFile()).isEqualTo(home.resolve("tls.crt").toString());
        assertThat(tls.certificatePem()).contains("BEGIN CERTIFICATE");
        assertThat(tls.minVersion()).isEqualTo("TLSv1.3");
        assertThat(tls.ciphers()).containsExactly("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
        assertThat(tls.clientAuth()).isEqualTo(ListenerTls.ClientAuth.REQUIRE);
        assertThat(tls.clientCaPem()).contains("BEGIN CERTIFICATE");
        assertThat(tls.sessionTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(tls.sessionCacheSize()).isEqualTo(1000);
        assertThat(tls.handshakeTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(l.listener().tls().requireClientCertificate()).isTrue();
        assertThat(tls.toString()).doesNotContain("PRIVATE KEY");
    }

    @Test
    void defaultsWithoutTlsBlock() {
        ListenerTls tls = parse(https(null)).listeners().get(0).tls();
        assertThat(tls.certificatePem()).isNull();
        assertThat(tls.minVersion()).isEqualTo("TLSv1.2");
        assertThat(tls.clientAuth()).isEqualTo(ListenerTls.ClientAuth.NONE);
        assertThat(tls.sessionTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(tls.sessionCacheSize()).isEqualTo(20_480);
        assertThat(tls.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(parse("listeners: [{name: w, address: ':80'}]").listeners().get(0).tls()).isNull();
    }

    @Test
    void badValuesSayWhatWasExpected() {
        bad(https("{minVersion: TLSv1.1}"), "listeners[0].tls.minVersion: 'TLSv1.1' (expected one of: TLSv1.2, "
                + "TLSv1.3; TLS 1.1 and older are refused)");
        bad(https("{certFile: tls.crt}"), "listeners[0].tls: keyFile: is required with certFile");
        bad(https("{keyFile: tls.key}"), "listeners[0].tls: certFile: is required with keyFile");
        bad(https("{certFile: nope.crt, keyFile: tls.key}"), "listeners[0].tls.certFile: " + home.resolve("nope.crt")
                + ": does not exist (expected: a PEM file)");
        bad(https("{certFile: garbage.pem, keyFile: tls.key}"), "no PEM certificate found");
        bad(https("{certFile: tls.crt, keyFile: garbage.pem}"), "no PEM private key found");
        bad(https("{certFile: tls.crt, keyFile: other.key}"), "listeners[0].tls.certFile: " + home.resolve("tls.crt")
                + ": the private key does not match the certificate");
        bad(https("{ciphers: [NOPE]}"), "listeners[0].tls.ciphers[0]: 'NOPE' is not a cipher suite the TLS provider");
        bad(https("{clientAuth: maybe}"), "listeners[0].tls.clientAuth: 'maybe' (expected one of: none, optional, require)");
        bad(https("{clientAuth: optional}"), "listeners[0].tls: clientCaFile: is required when clientAuth is optional");
        bad(https("{clientCaFile: ca.pem}"), "listeners[0].tls.clientCaFile: is set but clientAuth is none");
        bad(https("{clientAuth: require, clientCaFile: garbage.pem}"), "listeners[0].tls.clientCaFile: ");
        bad(https("{sessionTimeout: 0s}"), "listeners[0].tls.sessionTimeout: '0s' (expected: a duration of at least 1s");
        bad(https("{sessionCacheSize: 0}"), "listeners[0].tls.sessionCacheSize");
        bad(https("{handshakeTimeout: 0s}"), "listeners[0].tls.handshakeTimeout: '0s' (expected: a duration > 0");
        bad(https("{certfile: tls.crt}"), "listeners[0].tls.certfile: unknown key (expected one of: certFile,");
        bad("listeners: [{name: w, address: ':80', tls: {}}]", "listeners[0].tls: is only for protocol https");
    }

    private void bad(String yaml, String message) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }
}
