package io.tidegate.kernel.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.ListenerTls;
import io.tidegate.kernel.testing.TestPki;
import io.tidegate.spi.model.Certificate;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Listener;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.ListenerRole;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.SocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The certificate compiler alone: caching across generations, warnings, precedence. */
class TlsCompilerTest {

    static final X509Bundle CA = TestPki.ca("Compiler CA");
    static final Provenance P = Provenance.of("s", "obj");

    static GatewayConfig.ListenerConfig https(String name) {
        return new GatewayConfig.ListenerConfig(new Listener(name, new SocketAddress("127.0.0.1", 0),
                ListenerProtocol.HTTPS, ListenerRole.INGRESS, null, List.of()), Duration.ofSeconds(1), 8192, 8192, 0,
                ListenerTls.defaults());
    }

    static Certificate cert(String name, X509Bundle b, String... names) {
        return new Certificate(name, List.of(names), TestPki.chainPem(b), b.getPrivateKeyPEM(), P.withRule(name));
    }

    @Test
    void unchangedCertificatesKeepTheirContextAcrossGenerationsAndListenersShareThem() {
        TlsCompiler compiler = new TlsCompiler(List.of(https("one"), https("two")));
        X509Bundle a = TestPki.server(CA, "a.test");
        List<Diagnostic> diags = new ArrayList<>();
        Map<String, SniMap> first = compiler.compile(List.of(new TlsCompiler.SourceCertificates("s",
                List.of(cert("a", a, "a.test")))), Map.of("s", diags));
        Map<String, SniMap> second = compiler.compile(List.of(new TlsCompiler.SourceCertificates("s",
                List.of(cert("a", a, "a.test"), cert("b", TestPki.server(CA, "b.test"), "b.test")))), Map.of("s", diags));
        assertThat(diags).isEmpty();
        // The same SslContext, so its session cache (resumption) survives an unrelated reload.
        assertThat(second.get("one").lookup("a.test").context()).isSameAs(first.get("one").lookup("a.test").context());
        assertThat(second.get("two").lookup("a.test").context()).isSameAs(second.get("one").lookup("a.test").context());
        assertThat(second.get("one").lookup("b.test").name()).isEqualTo("b");
        assertThat(second.get("one").lookup(null).name()).as("no listener default: the first").isEqualTo("a");
    }

    @Test
    void expiredCertificatesServeWithAWarningAndTheFirstClaimOfANameWins() throws Exception {
        TlsCompiler compiler = new TlsCompiler(List.of(https("one")));
        X509Bundle expired = new CertificateBuilder().subject("CN=old.test").ecp256().addSanDnsName("old.test")
                .notBefore(Instant.now().minus(Duration.ofDays(10))).notAfter(Instant.now().minus(Duration.ofDays(1)))
                .buildIssuedBy(CA);
        X509Bundle x = TestPki.server(CA, "x.test");
        List<Diagnostic> diags = new ArrayList<>();
        Map<String, SniMap> out = compiler.compile(List.of(new TlsCompiler.SourceCertificates("s",
                List.of(cert("old", expired), cert("x1", x, "x.test"), cert("x2", x, "x.test", "*.x.test")))),
                Map.of("s", diags));
        assertThat(out.get("one").lookup("old.test").name()).isEqualTo("old");
        assertThat(out.get("one").lookup("x.test").name()).isEqualTo("x1");
        assertThat(out.get("one").lookup("y.x.test").name()).isEqualTo("x2");
        assertThat(diags).extracting(Diagnostic::toString).anySatisfy(d -> assertThat(d)
                .startsWith("WARNING s:obj#old certificateChainPem: certificate 'old' expired on"))
                .anySatisfy(d -> assertThat(d).contains("s:obj#x2 serverNames: server name 'x.test' is also claimed "
                        + "by certificate 'x1' (s:obj#x1), which comes first and wins"));
    }

    @Test
    void badServerNamesRejectTheCertificate() {
        TlsCompiler compiler = new TlsCompiler(List.of(https("one")));
        List<Diagnostic> diags = new ArrayList<>();
        compiler.compile(List.of(new TlsCompiler.SourceCertificates("s",
                List.of(cert("bad", TestPki.server(CA, "b.test"), "a*.test")))), Map.of("s", diags));
        assertThat(diags).singleElement().hasToString("ERROR s:obj#bad serverNames: 'a*.test' (expected: a host name, "
                + "or *.suffix with * as the whole first label); certificate 'bad' rejected");
    }

    @Test
    void aClientCaThatDoesNotParseRejectsTheCertificateAndAChangedCaGetsANewContext() {
        TlsCompiler compiler = new TlsCompiler(List.of(https("one")));
        X509Bundle a = TestPki.server(CA, "a.test");
        List<Diagnostic> diags = new ArrayList<>();
        Map<String, SniMap> out = compiler.compile(List.of(new TlsCompiler.SourceCertificates("s",
                List.of(cert("a", a, "a.test").withClientAuth("not a pem", Certificate.ClientAuth.REQUIRE)))),
                Map.of("s", diags));
        assertThat(diags).singleElement().hasToString("ERROR s:obj#a clientCaPem: no PEM certificate found (expected:"
                + " -----BEGIN CERTIFICATE-----); certificate 'a' rejected");
        assertThat(out.get("one").lookup("a.test")).as("never served without its client check").isNull();

        diags.clear();
        Map<String, SniMap> plain = compiler.compile(List.of(new TlsCompiler.SourceCertificates("s",
                List.of(cert("a", a, "a.test")))), Map.of("s", diags));
        Map<String, SniMap> mutual = compiler.compile(List.of(new TlsCompiler.SourceCertificates("s",
                List.of(cert("a", a, "a.test").withClientAuth(CA.getCertificatePEM(), Certificate.ClientAuth.REQUIRE)))),
                Map.of("s", diags));
        assertThat(diags).isEmpty();
        assertThat(mutual.get("one").lookup("a.test").context())
                .isNotSameAs(plain.get("one").lookup("a.test").context());
    }
}
