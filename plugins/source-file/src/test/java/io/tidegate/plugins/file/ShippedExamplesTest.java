package io.tidegate.plugins.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What users copy from: the demo file shipped in {@code config/routes.d} (also with its commented
 * example switched on) and every YAML example in {@code docs/source-file.md}. Fenced blocks tagged
 * {@code yaml} must translate without a diagnostic; a block tagged {@code yaml invalid} must produce
 * exactly the errors listed in the {@code text} block that follows it.
 */
class ShippedExamplesTest {

    private static final Path REPO = Path.of("").toAbsolutePath().resolve("../..").normalize();
    private static final Pattern FENCE = Pattern.compile("```([a-z]*)( [a-z]+)?\\n(.*?)```", Pattern.DOTALL);
    /** PEM files named by examples do not exist here; the kernel checks PEM content, not this format. */
    private final FileTranslator translator = new FileTranslator("file", TestContext.LISTENER_PROTOCOLS,
            path -> "-----BEGIN CERTIFICATE-----\n(" + path + ")\n-----END CERTIFICATE-----\n");

    private Translation translate(String origin, String yaml) {
        return translator.translate(List.of(new SourceFile(origin, TestContext.YAML.parse(origin, yaml))));
    }

    @Test
    void theDemoAnswersEveryRequestWithoutAnUpstream() throws IOException {
        Translation t = translate("conf/routes.d/demo.yaml",
                Files.readString(REPO.resolve("config/routes.d/demo.yaml")));

        assertThat(t.diagnostics()).isEmpty();
        assertThat(t.clusters()).isEmpty();
        Route demo = t.routes().get(0);
        assertThat(t.routes()).hasSize(1);
        assertThat(demo.name()).isEqualTo("demo");
        assertThat(demo.match().hosts()).isEmpty();
        assertThat(demo.match().path()).isEqualTo(PathMatch.segmentPrefix("/"));
        assertThat(demo.action()).isEqualTo(new RouteAction.DirectResponse(200, "Hello from Tidegate. Edit "
                + "conf/routes.d/demo.yaml and this answer changes within a second.\n",
                List.of(new HeaderValue("content-type", "text/plain"))));
    }

    @Test
    void theDemosCommentedExampleWorksWhenUncommented() throws IOException {
        // Example lines are commented as "# - ...", "#   ..." or "# clusters:"; prose starts with a word.
        String uncommented = Files.readAllLines(REPO.resolve("config/routes.d/demo.yaml")).stream()
                .map(l -> l.replaceFirst("^( *)# (?=- |  |clusters:)", "$1"))
                .collect(Collectors.joining("\n"));

        Translation t = translate("demo.yaml", uncommented);

        assertThat(t.diagnostics()).isEmpty();
        assertThat(t.routes()).extracting(Route::name).containsExactly("api", "demo");
        assertThat(t.routes().get(0).action()).isEqualTo(RouteAction.Forward.to("backend"));
        assertThat(t.routes().get(0).match().path()).isEqualTo(PathMatch.segmentPrefix("/api"));
        assertThat(t.clusters()).singleElement()
                .satisfies(c -> assertThat(c.endpoints().get(0).address().toString()).isEqualTo("127.0.0.1:9000"));
    }

    @Test
    void everyYamlExampleInTheDocsIsRight() throws IOException {
        String doc = Files.readString(REPO.resolve("docs/source-file.md"));
        Matcher m = FENCE.matcher(doc);
        List<String[]> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(new String[] {m.group(1), m.group(2) == null ? "" : m.group(2).trim(), m.group(3)});
        }
        int valid = 0;
        int invalid = 0;
        for (int i = 0; i < blocks.size(); i++) {
            String[] b = blocks.get(i);
            if (!b[0].equals("yaml")) {
                continue;
            }
            if (b[1].equals("settings")) {
                assertThat(TestContext.YAML.parse("settings", b[2])).isNotEmpty();
            } else if (b[1].equals("invalid")) {
                String[] next = blocks.get(i + 1);
                assertThat(next[0]).as("the errors of an invalid example follow it").isEqualTo("text");
                Translation t = translate("conf/routes.d/app.yaml", b[2]);
                assertThat(t.diagnostics()).extracting(Diagnostic::message)
                        .containsExactlyElementsOf(next[2].lines().toList());
                invalid++;
            } else {
                assertThat(b[1]).as("tag").isEmpty();
                Translation t = translate("example.yaml", b[2]);
                assertThat(t.diagnostics()).as("example %d:%n%s", i, b[2]).isEmpty();
                assertThat(t.routes().size() + t.tcpRoutes().size() + t.clusters().size() + t.certificates().size())
                        .as("example %d", i)
                        .isPositive();
                valid++;
            }
        }
        assertThat(valid).isGreaterThanOrEqualTo(10);
        assertThat(invalid).isEqualTo(1);
    }
}
