package io.tidegate.kernel.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.tidegate.kernel.config.ListenerTls;
import io.tidegate.kernel.testing.TestPki;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Contexts for both providers (BoringSSL and the JDK fallback), key formats, and the SNI map's matching. */
class ServerContextsTest {

    static final X509Bundle CA = TestPki.ca("Ctx CA");
    static final X509Bundle LEAF = TestPki.server(CA, "example.com");

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
    void bothProvidersOfferTls12AndUpOnlyAndAlpnH2ThenHttp11(SslProvider provider) {
        SslContext ctx = ServerContexts.build(ListenerTls.defaults(), TestPki.chainPem(LEAF), LEAF.getPrivateKeyPEM(),
                "test", provider);
        SSLEngine engine = ctx.newEngine(ByteBufAllocator.DEFAULT);
        assertThat(protocols(engine)).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        assertThat(ctx.applicationProtocolNegotiator().protocols()).containsExactly("h2", "http/1.1");
        io.netty.util.ReferenceCountUtil.release(engine);
        SslContext h1 = ServerContexts.build(ListenerTls.defaults().withH2(false), TestPki.chainPem(LEAF),
                LEAF.getPrivateKeyPEM(), "test", provider);
        assertThat(h1.applicationProtocolNegotiator().protocols()).containsExactly("http/1.1");
    }

    /** Netty's OpenSSL engine always lists the SSLv2Hello pseudo-protocol, a hello format BoringSSL never accepts. */
    static List<String> protocols(SSLEngine engine) {
        return java.util.Arrays.stream(engine.getEnabledProtocols()).filter(p -> !p.equals("SSLv2Hello")).toList();
    }

    @Test
    void theJdkFallbackServesRealHandshakes() throws Exception {
        SslContext jdk = ServerContexts.build(ListenerTls.defaults(), TestPki.chainPem(LEAF), LEAF.getPrivateKeyPEM(),
                "test", SslProvider.JDK);
        try (io.tidegate.kernel.testing.TestUpstream server = io.tidegate.kernel.testing.TestUpstream.startTls("jdk", jdk);
             io.tidegate.kernel.testing.TlsClient c = io.tidegate.kernel.testing.TlsClient.connect(
                     io.tidegate.kernel.testing.TlsClient.context(CA, null), server.port(), "example.com")) {
            assertThat(c.protocol()).isEqualTo("TLSv1.3");
            assertThat(c.alpn()).isEqualTo("http/1.1");
            assertThat(c.get("example.com", "/x")).startsWith("HTTP/1.1 200").contains("jdk GET /x");
        }
    }

    @Test
    void opensslIsTheDefaultWhereNettyTcnativeLoads() {
        assertThat(io.netty.handler.ssl.OpenSsl.isAvailable()).as("netty-tcnative-boringssl-static loads here").isTrue();
        assertThat(ServerContexts.provider()).isEqualTo(SslProvider.OPENSSL);
    }

    @Test
    void minVersionTls13DropsTls12() {
        ListenerTls d = ListenerTls.defaults();
        ListenerTls only13 = new ListenerTls(null, null, null, "TLSv1.3", List.of(), d.clientAuth(), null,
                d.sessionTimeout(), d.sessionCacheSize(), d.handshakeTimeout());
        SSLEngine engine = ServerContexts.build(only13, TestPki.chainPem(LEAF), LEAF.getPrivateKeyPEM(), "t")
                .newEngine(ByteBufAllocator.DEFAULT);
        assertThat(protocols(engine)).containsExactly("TLSv1.3");
        io.netty.util.ReferenceCountUtil.release(engine);
    }

    @Test
    void readsPkcs1RsaKeysAndRefusesEncryptedOnes() throws Exception {
        X509Bundle rsa = new CertificateBuilder().subject("CN=rsa.example.com").rsa2048().addSanDnsName("rsa.example.com")
                .buildIssuedBy(CA);
        byte[] pkcs1 = PrivateKeyInfo.getInstance(rsa.getKeyPair().getPrivate().getEncoded()).parsePrivateKey()
                .toASN1Primitive().getEncoded();
        String pem = "-----BEGIN RSA PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(pkcs1)
                + "\n-----END RSA PRIVATE KEY-----\n";
        assertThat(Pem.privateKey(pem, "k")).isEqualTo(rsa.getKeyPair().getPrivate());
        assertThat(ServerContexts.build(ListenerTls.defaults(), TestPki.chainPem(rsa), pem, "t")).isNotNull();
        assertThatThrownBy(() -> Pem.privateKey("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----",
                "k")).hasMessageContaining("encrypted private keys are not supported");
    }

    @Test
    void sniMapMatchesExactThenOneLabelWildcardThenDefault() {
        SniMap.Entry a = new SniMap.Entry("a", null);
        SniMap.Entry w = new SniMap.Entry("w", null);
        SniMap.Entry d = new SniMap.Entry("d", null);
        SniMap map = new SniMap("l", Map.of("a.example.com", a), Map.of(".example.com", w), d);
        assertThat(map.lookup("A.Example.COM.")).isSameAs(a);
        assertThat(map.lookup("b.example.com")).isSameAs(w);
        assertThat(map.lookup("x.b.example.com")).isSameAs(d);
        assertThat(map.lookup("example.com")).isSameAs(d);
        assertThat(map.lookup(null)).isSameAs(d);
    }
}
