package io.tidegate.plugins.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFilesTest {

    static final List<String> YAML = List.of(".yaml", ".yml");

    @Test
    void aDirectoryIsItsMatchingFilesByNameWithoutHiddenOnesOrSubdirectories(@TempDir Path dir) throws Exception {
        for (String name : List.of("b.yml", "a.yaml", "C.YAML", ".#a.yaml", "..data.yaml", "notes.txt", "x.json")) {
            Files.writeString(dir.resolve(name), "x");
        }
        Files.createDirectory(dir.resolve("sub.yaml")); // a directory, whatever its name
        assertThat(ConfigFiles.list(dir, YAML)).extracting(p -> p.getFileName().toString())
                .containsExactly("C.YAML", "a.yaml", "b.yml");
        assertThat(ConfigFiles.list(dir, List.of(".json"))).extracting(p -> p.getFileName().toString())
                .containsExactly("x.json");
    }

    @Test
    void aLinkToAFileCounts(@TempDir Path dir) throws Exception {
        Path target = Files.writeString(dir.resolve("..data-target"), "x");
        Files.createSymbolicLink(dir.resolve("routes.yaml"), target);
        assertThat(ConfigFiles.list(dir, YAML)).extracting(p -> p.getFileName().toString())
                .containsExactly("routes.yaml");
    }

    @Test
    void aFileIsItselfWhateverItsName(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("routes.conf"), "x");
        assertThat(ConfigFiles.list(file, YAML)).containsExactly(file);
    }

    @Test
    void aMissingPathIsAnError(@TempDir Path dir) {
        assertThatThrownBy(() -> ConfigFiles.list(dir.resolve("gone"), YAML)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("gone");
    }
}
