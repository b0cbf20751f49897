package io.tidegate.plugins.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.spi.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code sources: [{id: file, ...}]} entry, checked strictly at create(). */
class FileSourceSettingsTest {

    @TempDir
    Path install;
    private TestContext context;

    @BeforeEach
    void setUp() throws IOException {
        context = new TestContext(install);
        Files.createDirectories(install.resolve("conf/routes.d"));
        Files.writeString(install.resolve("conf/extra.yaml"), "");
    }

    @AfterEach
    void tearDown() {
        context.close();
    }

    @Test
    void defaultsAndRelativePaths() {
        FileSourceSettings s = FileSourceSettings.parse(TestContext.settings("paths: [conf/routes.d, conf/extra.yaml]"),
                context);

        assertThat(s.paths()).containsExactly(install.resolve("conf/routes.d"), install.resolve("conf/extra.yaml"));
        assertThat(s.watch()).isTrue();
        assertThat(s.pollInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.debounce()).isEqualTo(Duration.ofMillis(100));
        assertThat(s.watchedDirectories()).containsExactly(install.resolve("conf/routes.d"), install.resolve("conf"));
    }

    @Test
    void everySetting() {
        FileSourceSettings s = FileSourceSettings.parse(TestContext.settings(
                "paths: " + install.resolve("conf/routes.d") + "\nwatch: false\npollInterval: 5s\ndebounce: 0ms"),
                context);

        assertThat(s).isEqualTo(new FileSourceSettings(java.util.List.of(install.resolve("conf/routes.d")), false,
                Duration.ofSeconds(5), Duration.ZERO));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "paths: [conf/routes.d]\\nwatch: true\\npoll: 1s | tidegate.yaml:3:7: poll: unknown key (expected one of: "
                    + "debounce, paths, pollInterval, watch)",
            "watch: true | tidegate.yaml:1:1: paths: is required but missing",
            "paths: [] | tidegate.yaml:1:8: paths: is empty (expected: at least one file or directory)",
            "paths: [conf/missing.d] | tidegate.yaml:1:9: paths[0]: 'conf/missing.d' (INSTALL/conf/missing.d) does not "
                    + "exist (expected: a file or directory)",
            "paths: [conf/routes.d]\\npollInterval: 1 | tidegate.yaml:2:15: pollInterval: '1' is not a duration "
                    + "(expected: e.g. 250ms, 30s, 1m30s, 2h)",
            "paths: [conf/routes.d]\\npollInterval: 10ms | tidegate.yaml:2:15: pollInterval: 10ms (expected: >= 100ms)",
            "paths: [conf/routes.d]\\ndebounce: 1m | tidegate.yaml:2:11: debounce: 60000ms (expected: 0ms to 10s)",
            "paths: [conf/routes.d]\\nwatch: sometimes | tidegate.yaml:2:8: watch: 'sometimes' (expected: true or "
                    + "false)"})
    void rejectsBadSettingsNamingTheKey(String yaml, String message) {
        assertThatThrownBy(() -> new FileSourceFactory().create("file",
                TestContext.settings(yaml.replace("\\n", "\n")), context))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message.replace("INSTALL", install.toString()));
    }
}
