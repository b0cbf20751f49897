package io.tidegate.plugins.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.config.ConfigNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped example's consul entry is valid settings (so the docs do not rot). */
class ShippedExampleTest {

    @TempDir
    Path home;

    @Test
    void configExamplesConsulYamlParses() throws Exception {
        Path example = Path.of("../../config/examples/consul.yaml");
        ConfigNode root = TestContext.YAML.read(example).get(0);
        ConfigNode entry = root.get("sources").items().stream()
                .filter(n -> n.string("id").equals("consul")).findFirst().orElseThrow();
        Map<String, ConfigNode> settings = new LinkedHashMap<>();
        for (String key : entry.keys()) {
            if (!key.equals("id") && !key.equals("name")) {
                settings.put(key, entry.get(key));
            }
        }
        try (TestContext context = new TestContext(home)) {
            ConsulSettings parsed = ConsulSettings.parse(ConfigNode.map(entry.location(), entry.path(), settings), context);
            assertThat(parsed.kvPrefix()).isEqualTo("tidegate/routes/");
            assertThat(parsed.clusterPerTag()).containsExactly("canary");
        }
    }
}
