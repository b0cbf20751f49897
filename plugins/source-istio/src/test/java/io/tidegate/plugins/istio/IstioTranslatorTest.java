package io.tidegate.plugins.istio;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.plugins.support.kubernetes.ManifestReader;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The translation as a pure function, table-driven: each {@code fixtures/translate/NAME.yaml} holds the
 * objects (as {@code kubectl apply -f} takes them) and {@code NAME.expected} the fragment they must give,
 * as {@link Dump} prints it. {@code -Dfixtures.update=true} rewrites the expectations (review the diff).
 */
class IstioTranslatorTest {

    static Stream<String> fixtures() throws IOException, URISyntaxException {
        try (Stream<Path> files = Files.list(dir())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList().stream();
        }
    }

    static Path dir() throws URISyntaxException {
        return Path.of(IstioTranslatorTest.class.getResource("/fixtures/translate").toURI());
    }

    /** The CA the {@code mtls} listener verifies client certificates with (its tls.clientCaFile). */
    static final String LISTENER_CLIENT_CA = "-----BEGIN CERTIFICATE-----\nclients\n-----END CERTIFICATE-----\n";

    /**
     * The listeners of the fixtures' tidegate.yaml: web (http, port 80 by mapping), websecure (https, 443),
     * egress (an egress-role http listener, port 8081), a listener for port 9090 bound by its own port,
     * tcp (27017), passthrough and passthrough2 (tls-passthrough, 9443 and 9444), egress-tls (an egress-role
     * tls-passthrough listener, 8443), eastwest (tls-passthrough, 15443) and mtls (https requiring client
     * certificates, 10443).
     */
    static IstioTranslator translator() {
        java.util.List<io.tidegate.spi.model.Listener> listeners = List.of(
                listener("web", "127.0.0.1:0", io.tidegate.spi.model.ListenerProtocol.HTTP, false),
                listener("websecure", "127.0.0.1:0", io.tidegate.spi.model.ListenerProtocol.HTTPS, false),
                listener("egress", "127.0.0.1:8081", io.tidegate.spi.model.ListenerProtocol.HTTP, true),
                listener("admin-ish", "127.0.0.1:9090", io.tidegate.spi.model.ListenerProtocol.HTTP, false),
                listener("tcp", "127.0.0.1:27017", io.tidegate.spi.model.ListenerProtocol.TCP, false),
                listener("passthrough", "127.0.0.1:9443", io.tidegate.spi.model.ListenerProtocol.TLS_PASSTHROUGH, false),
                listener("egress-tls", "127.0.0.1:8443", io.tidegate.spi.model.ListenerProtocol.TLS_PASSTHROUGH, true),
                listener("passthrough2", "127.0.0.1:9444", io.tidegate.spi.model.ListenerProtocol.TLS_PASSTHROUGH, false),
                listener("eastwest", "127.0.0.1:15443", io.tidegate.spi.model.ListenerProtocol.TLS_PASSTHROUGH, false),
                new io.tidegate.spi.model.Listener("mtls", io.tidegate.spi.model.SocketAddress.parse("127.0.0.1:10443"),
                        io.tidegate.spi.model.ListenerProtocol.HTTPS, io.tidegate.spi.model.ListenerRole.INGRESS,
                        new io.tidegate.spi.model.TlsSettings("TLSv1.2", List.of("http/1.1"), LISTENER_CLIENT_CA, true,
                                null), List.of()));
        return new IstioTranslator("istio", java.util.Map.of("istio", "ingressgateway", "tier", "edge"), listeners,
                java.util.Map.of(80, List.of("web"), 443, List.of("websecure"), 8081, List.of("egress")),
                IstioSettings.DEFAULT_SELF, IstioSettings.DEFAULT_NAMESPACE, path -> {
                    if (path.endsWith("missing.pem")) {
                        throw new IllegalStateException("no such file");
                    }
                    return "-----BEGIN CERTIFICATE-----\n(" + path + ")\n-----END CERTIFICATE-----\n";
                });
    }

    private static io.tidegate.spi.model.Listener listener(String name, String address,
                                                           io.tidegate.spi.model.ListenerProtocol protocol,
                                                           boolean egress) {
        return new io.tidegate.spi.model.Listener(name, io.tidegate.spi.model.SocketAddress.parse(address), protocol,
                egress ? io.tidegate.spi.model.ListenerRole.EGRESS : io.tidegate.spi.model.ListenerRole.INGRESS,
                null, List.of());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void translatesAsExpected(String name) throws Exception {
        Path input = dir().resolve(name + ".yaml");
        String text = Files.readString(input, StandardCharsets.UTF_8);
        IstioTranslator translator = translator();
        // A fixture may ask for Kubernetes Services to be read with a first line "# kubernetesServices".
        boolean services = text.startsWith("# kubernetesServices");
        String actual = Dump.of(translator.translate(IstioTranslator.Snapshot.of(ManifestReader.parse(text),
                services)));

        // Pure and deterministic: the same objects in another order give the same fragment.
        List<io.fabric8.kubernetes.api.model.HasMetadata> reversed = new java.util.ArrayList<>(
                ManifestReader.parse(text));
        java.util.Collections.reverse(reversed);
        assertThat(Dump.of(translator.translate(IstioTranslator.Snapshot.of(reversed, services)))).isEqualTo(actual);

        Path expected = dir().resolve(name + ".expected");
        if (Boolean.getBoolean("fixtures.update")) {
            Path source = Path.of("src/test/resources/fixtures/translate").resolve(name + ".expected");
            Files.writeString(source, actual, StandardCharsets.UTF_8);
            return;
        }
        assertThat(expected).as("expectation file").exists();
        assertThat(actual).isEqualTo(Files.readString(expected, StandardCharsets.UTF_8));
    }

    /** The shipped example translates without errors: what the docs tell people to copy works. */
    @org.junit.jupiter.api.Test
    void theShippedExampleTranslatesCleanly() throws Exception {
        String text = Files.readString(Path.of("../../config/examples/istio-manifests.yaml"), StandardCharsets.UTF_8);
        IstioTranslator translator = new IstioTranslator("istio", java.util.Map.of("istio", "ingressgateway"),
                List.of(listener("web", "0.0.0.0:8080", io.tidegate.spi.model.ListenerProtocol.HTTP, false),
                        listener("egress", "127.0.0.1:8081", io.tidegate.spi.model.ListenerProtocol.HTTP, true)),
                java.util.Map.of(80, List.of("web"), 8081, List.of("egress")), IstioSettings.DEFAULT_SELF,
                IstioSettings.DEFAULT_NAMESPACE, p -> "");
        io.tidegate.spi.model.Fragment f = translator.translate(IstioTranslator.Snapshot.of(ManifestReader.parse(text)));
        assertThat(f.diagnostics()).as(Dump.of(f)).noneMatch(d -> d.severity() != io.tidegate.spi.model.Diagnostic
                .Severity.INFO);
        assertThat(f.routes()).extracting(io.tidegate.spi.model.Route::name).containsExactly(
                "shop/partner/http[0]/match[0]", "shop/shop/http[0]/match[0]", "shop/shop/http[1]");
        assertThat(f.clusters()).extracting(io.tidegate.spi.model.Cluster::name).containsExactly(
                "api.partner.example:443", "shop.vm.internal:8080", "shop.vm.internal:8080/v1",
                "shop.vm.internal:8080/v2");
    }
}
