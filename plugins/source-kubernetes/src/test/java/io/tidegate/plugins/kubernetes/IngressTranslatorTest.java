package io.tidegate.plugins.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.plugins.support.kubernetes.ManifestReader;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The translation as a pure function, table-driven: each {@code fixtures/translate/NAME.yaml} holds the
 * objects (as {@code kubectl apply -f} takes them) and {@code NAME.expected} the fragment they must give,
 * as {@link Dump} prints it. {@code -Dfixtures.update=true} rewrites the expectations (review the diff).
 */
class IngressTranslatorTest {

    static Stream<String> fixtures() throws IOException, URISyntaxException {
        try (Stream<Path> files = Files.list(dir())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList().stream();
        }
    }

    static Path dir() throws URISyntaxException {
        return Path.of(IngressTranslatorTest.class.getResource("/fixtures/translate").toURI());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void translatesAsExpected(String name) throws Exception {
        Path input = dir().resolve(name + ".yaml");
        String text = Files.readString(input, StandardCharsets.UTF_8);
        // A fixture may ask for more listeners than web (http) with a first line "# listeners: https tcp tls".
        String kinds = text.startsWith("# listeners:") ? text.substring("# listeners:".length(), text.indexOf('\n'))
                : "";
        IngressTranslator translator = new IngressTranslator("kubernetes", "tidegate",
                KubernetesSettings.DEFAULT_CONTROLLER, false, TestListeners.of(kinds));
        Snapshot snapshot = Snapshot.of(ManifestReader.parse(text), null);
        IngressTranslator.Translation translation = translator.translate(snapshot);
        String actual = Dump.of(translation.fragment()) + Dump.statuses(translation.gatewayStatuses());

        // Pure and deterministic: the same objects in another order give the same fragment.
        List<io.fabric8.kubernetes.api.model.HasMetadata> reversed = new java.util.ArrayList<>(
                ManifestReader.parse(text));
        java.util.Collections.reverse(reversed);
        IngressTranslator.Translation again = translator.translate(Snapshot.of(reversed, null));
        assertThat(Dump.of(again.fragment()) + Dump.statuses(again.gatewayStatuses())).isEqualTo(actual);

        Path expected = dir().resolve(name + ".expected");
        if (Boolean.getBoolean("fixtures.update")) {
            Path source = Path.of("src/test/resources/fixtures/translate").resolve(name + ".expected");
            Files.writeString(source, actual, StandardCharsets.UTF_8);
            return;
        }
        assertThat(expected).as("expectation file").exists();
        assertThat(actual).isEqualTo(Files.readString(expected, StandardCharsets.UTF_8));
    }
}
