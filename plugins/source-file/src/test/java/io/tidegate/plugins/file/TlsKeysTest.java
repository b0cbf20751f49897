package io.tidegate.plugins.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.model.Certificate;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.UpstreamTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code certificates:} and cluster {@code tls:}: PEM files named relative to the YAML file, read at each
 * reload; every key and the error for each bad value. The PEM content itself is checked by the kernel.
 */
class TlsKeysTest {

    @TempDir
    Path dir;

    private final FileTranslator translator = new FileTranslator("file", TestContext.LISTENER_PROTOCOLS);

    @BeforeEach
    void pems() throws Exception {
        Files.createDirectories(dir.resolve("tls"));
        Files.writeString(dir.resolve("tls/site.crt"), "CHAIN");
        Files.writeString(dir.resolve("tls/site.key"), "KEY");
        Files.writeString(dir.resolve("ca.pem"), "CA");
    }

    private Translation translate(String yaml) {
        String origin = dir.resolve("routes.yaml").toString();
        return translator.translate(List.of(new SourceFile(origin, TestContext.YAML.parse(origin, yaml))));
    }

    @Test
    void certificatesReadTheirFilesRelativeToTheYamlFile() throws Exception {
        Translation t = translate("""
                certificates:
                  - name: site
                    serverNames: [Example.com, "*.example.com"]
                    certFile: tls/site.crt
                    keyFile: tls/site.key
                  - name: from-sans
                    certFile: tls/site.crt
                    keyFile: tls/site.key
                """);
        assertThat(t.diagnostics()).isEmpty();
        assertThat(t.certificates()).hasSize(2);
        Certificate c = t.certificates().get(0);
        assertThat(c.name()).isEqualTo("site");
        assertThat(c.serverNames()).containsExactly("example.com", "*.example.com");
        assertThat(c.certificateChainPem()).isEqualTo("CHAIN");
        assertThat(c.privateKeyPem()).isEqualTo("KEY");
        assertThat(c.provenance().rule()).isEqualTo("certificates[0]");
        assertThat(t.certificates().get(1).serverNames()).isEmpty(); // the kernel takes the certificate's DNS names

        Files.writeString(dir.resolve("tls/site.crt"), "RENEWED");
        assertThat(translate("certificates: [{name: s, certFile: tls/site.crt, keyFile: tls/site.key}]")
                .certificates().get(0).certificateChainPem()).isEqualTo("RENEWED");
    }

    @Test
    void badCertificatesAreRejectedAlone() {
        Translation t = translate("""
                certificates:
                  - name: missing
                    certFile: nope.crt
                    keyFile: tls/site.key
                  - name: nokey
                    certFile: tls/site.crt
                  - name: star
                    serverNames: ["*"]
                    certFile: tls/site.crt
                    keyFile: tls/site.key
                  - name: typo
                    certfile: tls/site.crt
                  - name: ok
                    certFile: tls/site.crt
                    keyFile: tls/site.key
                  - name: ok
                    certFile: tls/site.crt
                    keyFile: tls/site.key
                """);
        assertThat(t.certificates()).extracting(Certificate::name).containsExactly("ok");
        assertThat(t.diagnostics()).extracting(Diagnostic::message).satisfiesExactly(
                m -> assertThat(m).contains("certificates[0].certFile: \"nope.crt\": " + dir.resolve("nope.crt")
                        + " does not exist (expected: a PEM file; relative paths are relative to this YAML file's directory)"),
                m -> assertThat(m).contains("certificates[1].keyFile: is required"),
                m -> assertThat(m).contains("certificates[2].serverNames[0]: \"*\" (expected: a host name or *.suffix"),
                m -> assertThat(m).contains("certificates[3].certfile: unknown key (expected one of: certFile, keyFile, "
                        + "name, serverNames)"),
                m -> assertThat(m).contains("certificates[5].name: duplicate certificate name \"ok\""));
    }

    @Test
    void clusterTlsKeys() {
        Translation t = translate("""
                clusters:
                  - name: full
                    endpoints: [api.internal:443]
                    tls:
                      sni: API.internal
                      caFile: ca.pem
                      certFile: tls/site.crt
                      keyFile: tls/site.key
                  - name: system-roots
                    endpoints: [10.0.0.1:443]
                    tls: {}
                  - name: insecure
                    endpoints: [10.0.0.1:443]
                    tls: {verify: false}
                  - name: plain
                    endpoints: [10.0.0.1:80]
                """);
        assertThat(t.diagnostics()).isEmpty();
        UpstreamTls full = t.clusters().get(0).tls();
        assertThat(full.sni()).isEqualTo("api.internal");
        assertThat(full.caPem()).isEqualTo("CA");
        assertThat(full.verify()).isTrue();
        assertThat(full.clientCertificatePem()).isEqualTo("CHAIN");
        assertThat(full.clientKeyPem()).isEqualTo("KEY");
        assertThat(t.clusters().get(1).tls()).isEqualTo(new UpstreamTls(null, null, true, null, null, List.of(),
                List.of()));
        assertThat(t.clusters().get(2).tls().verify()).isFalse();
        assertThat(t.clusters()).extracting(Cluster::tls).element(3).isNull();
    }

    @Test
    void badClusterTlsIsRejectedAlone() {
        Translation t = translate("""
                clusters:
                  - {name: a, endpoints: [x:443], tls: {sni: 10.0.0.1}}
                  - {name: b, endpoints: [x:443], tls: {caFile: ca.pem, verify: false}}
                  - {name: c, endpoints: [x:443], tls: {certFile: tls/site.crt}}
                  - {name: d, endpoints: [x:443], tls: {caFile: gone.pem}}
                  - {name: e, endpoints: [x:443], tls: {alpn: [h2]}}
                  - {name: f, endpoints: [x:443], tls: yes}
                  - {name: ok, endpoints: [x:443], tls: {}}
                """);
        assertThat(t.clusters()).extracting(Cluster::name).containsExactly("ok");
        assertThat(t.diagnostics()).extracting(Diagnostic::message).satisfiesExactly(
                m -> assertThat(m).contains("clusters[0].tls.sni: \"10.0.0.1\" is an IP address"),
                m -> assertThat(m).contains("clusters[1].tls.caFile: is set but verify is false"),
                m -> assertThat(m).contains("clusters[2].tls: keyFile: is required with certFile"),
                m -> assertThat(m).contains("clusters[3].tls.caFile: \"gone.pem\": ").contains("does not exist"),
                m -> assertThat(m).contains("clusters[4].tls.alpn: unknown key (expected one of: caFile, certFile, "
                        + "keyFile, sni, verify)"),
                m -> assertThat(m).contains("clusters[5].tls: is a scalar (expected: a map"));
    }
}
