package io.tidegate.plugins.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Route;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Rules that span files: precedence, names unique across files, references left to the kernel. */
class FileTranslatorTest {

    private final FileTranslator translator = new FileTranslator("edge", TestContext.LISTENER_PROTOCOLS);

    private static SourceFile file(String origin, String yaml) {
        return new SourceFile(origin, TestContext.YAML.parse(origin, yaml));
    }

    @Test
    void keepsFileOrderThenListOrder() {
        Translation t = translator.translate(List.of(
                file("conf/10-a.yaml", "routes: [{name: a1, forward: x}, {name: a2, forward: x}]"),
                file("conf/20-b.yaml", "routes: [{name: b1, forward: x}]")));

        assertThat(t.routes()).extracting(Route::name).containsExactly("a1", "a2", "b1");
        assertThat(t.routes().get(2).provenance().toString()).isEqualTo("edge:conf/20-b.yaml#routes[0]");
    }

    @Test
    void firstFileWinsADuplicateNameAndTheErrorNamesBothPlaces() {
        Translation t = translator.translate(List.of(
                file("conf/a.yaml", "clusters:\n  - name: backend\n    endpoints: [10.0.0.1:80]\n"),
                file("conf/b.yaml", "routes: [{name: r, forward: backend}]\n"
                        + "clusters:\n  - name: backend\n    endpoints: [10.0.0.2:80]\n")));

        assertThat(t.clusters()).singleElement().satisfies(c -> {
            assertThat(c.endpoints().get(0).address().host()).isEqualTo("10.0.0.1");
            assertThat(c.provenance().object()).isEqualTo("conf/a.yaml");
        });
        assertThat(t.routes()).extracting(Route::name).containsExactly("r");
        assertThat(t.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.object().toString()).isEqualTo("edge:conf/b.yaml#clusters[0]");
            assertThat(d.field()).isEqualTo("clusters[0].name");
            assertThat(d.message()).isEqualTo("conf/b.yaml:3:11: clusters[0].name: duplicate cluster name \"backend\", "
                    + "first defined at conf/a.yaml:2:11 (clusters[0]); this one is ignored (expected: cluster names "
                    + "unique across all files of source \"edge\")");
        });
    }

    @Test
    void aForwardToAClusterOfAnotherSourceIsNotAnError() {
        Translation t = translator.translate(List.of(
                file("a.yaml", "routes: [{name: r, forward: httpbin.default.svc.cluster.local:8000}]")));

        assertThat(t.diagnostics()).isEmpty();
        assertThat(t.routes()).hasSize(1);
    }

    @Test
    void aBadFileDoesNotStopTheOthers() {
        Translation t = translator.translate(List.of(
                file("a.yaml", "routes: {name: r}"),
                file("b.yaml", "routes: [{name: ok, respond: {}}]")));

        assertThat(t.routes()).extracting(Route::name).containsExactly("ok");
        assertThat(t.diagnostics()).extracting(Diagnostic::message)
                .containsExactly("a.yaml:1:9: routes: is a map (expected: a list)");
    }

    @Test
    void isAPureFunctionOfItsInput() {
        List<SourceFile> files = List.of(file("a.yaml",
                "clusters: [{name: c, endpoints: [10.0.0.1:80]}]\nroutes: [{name: r, forward: c}, {name: r}]"));

        Translation first = translator.translate(files);
        Translation second = translator.translate(files);

        assertThat(second).isEqualTo(first);
        assertThat(first.clusters()).extracting(Cluster::name).containsExactly("c");
        assertThat(first.diagnostics()).hasSize(1);
    }
}
