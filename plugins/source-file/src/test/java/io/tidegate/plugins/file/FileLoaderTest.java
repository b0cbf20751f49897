package io.tidegate.plugins.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.model.Diagnostic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading files: order, which files count, and what survives a broken or vanished file. */
class FileLoaderTest {

    private static final String GOOD = "routes:\n  - name: api\n    respond: {body: v1}\n";

    @TempDir
    Path dir;

    private FileLoader loader(Path... roots) {
        return new FileLoader("file", List.of(roots), TestContext.YAML);
    }

    private static List<String> origins(FileLoader.Snapshot s) {
        return s.files().stream().map(SourceFile::origin).toList();
    }

    private static List<String> messages(FileLoader.Snapshot s) {
        return s.diagnostics().stream().map(Diagnostic::message).toList();
    }

    @Test
    void readsYamlFilesDirectlyInADirectoryInNameOrder() throws IOException {
        Files.writeString(dir.resolve("20-b.yml"), GOOD);
        Files.writeString(dir.resolve("10-a.yaml"), GOOD);
        Files.writeString(dir.resolve("README.md"), "not config");
        Files.writeString(dir.resolve(".#10-a.yaml"), "an editor's lock file");
        Files.writeString(dir.resolve("10-a.yaml~"), "an editor's backup");
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/30-c.yaml"), GOOD);
        Path single = Files.writeString(dir.resolve("sub/explicit.conf"), GOOD);

        FileLoader.Snapshot s = loader(dir, single, dir.resolve("10-a.yaml")).load();

        assertThat(origins(s)).containsExactly(dir.resolve("10-a.yaml").toString(), dir.resolve("20-b.yml").toString(),
                single.toString());
        assertThat(s.diagnostics()).isEmpty();
    }

    @Test
    void aSyntaxErrorKeepsTheFilesLastGoodContents() throws IOException {
        Path file = Files.writeString(dir.resolve("a.yaml"), GOOD);
        FileLoader loader = loader(dir);
        FileLoader.Snapshot good = loader.load();

        Files.writeString(file, "routes:\n  - name: api\n    respond: {body: v2\n");
        FileLoader.Snapshot broken = loader.load();

        assertThat(broken.files()).isEqualTo(good.files());
        assertThat(broken.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.ERROR);
            assertThat(d.object().object()).isEqualTo(file.toString());
            assertThat(d.message()).startsWith(file + ":4:1: invalid YAML: ")
                    .endsWith("; serving the file's last good version");
        });

        Files.writeString(file, GOOD.replace("v1", "v3"));
        FileLoader.Snapshot fixed = loader.load();
        assertThat(fixed.diagnostics()).isEmpty();
        assertThat(fixed.files().get(0).documents().get(0).toString()).contains("v3");
    }

    @Test
    void aBadTopLevelKeepsTheLastGoodContentsToo() throws IOException {
        Path file = Files.writeString(dir.resolve("a.yaml"), GOOD);
        FileLoader loader = loader(file);
        FileLoader.Snapshot good = loader.load();

        Files.writeString(file, "route:\n  - name: api\n");
        FileLoader.Snapshot broken = loader.load();

        assertThat(broken.files()).isEqualTo(good.files());
        assertThat(messages(broken)).containsExactly(file + ":2:3: route: unknown key (expected one of: certificates, "
                + "clusters, routes, tcpRoutes); serving the file's last good version");
    }

    @Test
    void aFileBrokenFromTheStartContributesNothing() throws IOException {
        Path file = Files.writeString(dir.resolve("a.yaml"), "routes: [");
        Files.write(dir.resolve("b.yaml"), new byte[] {'#', ' ', (byte) 0xC3, (byte) 0x28});

        FileLoader.Snapshot s = loader(dir).load();

        assertThat(s.files()).isEmpty();
        assertThat(messages(s)).satisfiesExactly(
                m -> assertThat(m).startsWith(file + ":1:").contains("invalid YAML")
                        .endsWith("; the file contributes nothing until fixed"),
                m -> assertThat(m).isEqualTo(dir.resolve("b.yaml") + ": is not UTF-8 text (expected: a UTF-8 YAML "
                        + "file); the file contributes nothing until fixed"));
    }

    @Test
    void aFileDeletedFromADirectoryIsGone() throws IOException {
        Files.writeString(dir.resolve("a.yaml"), GOOD);
        Path b = Files.writeString(dir.resolve("b.yaml"), GOOD.replace("api", "other"));
        FileLoader loader = loader(dir);
        assertThat(loader.load().files()).hasSize(2);

        Files.delete(b);

        FileLoader.Snapshot s = loader.load();
        assertThat(origins(s)).containsExactly(dir.resolve("a.yaml").toString());
        assertThat(s.diagnostics()).isEmpty();
    }

    @Test
    void aConfiguredPathThatVanishesKeepsServingWhatItHad() throws IOException {
        Path conf = Files.createDirectories(dir.resolve("routes.d"));
        Path file = Files.writeString(conf.resolve("a.yaml"), GOOD);
        FileLoader loader = loader(conf);
        FileLoader.Snapshot good = loader.load();

        Files.delete(file);
        Files.delete(conf);
        FileLoader.Snapshot gone = loader.load();

        assertThat(gone.files()).isEqualTo(good.files());
        assertThat(messages(gone)).containsExactly(conf + ": does not exist; serving the last good contents of 1 "
                + "file(s) read from it");
    }
}
