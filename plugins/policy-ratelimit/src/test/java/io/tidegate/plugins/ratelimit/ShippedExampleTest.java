package io.tidegate.plugins.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shipped config/examples/ratelimit.yaml: every policy entry in it is valid for its factory. */
class ShippedExampleTest {

    private static final Path EXAMPLE = Path.of("").toAbsolutePath().resolve("../../config/examples/ratelimit.yaml")
            .normalize();

    @Test
    void everyPolicyOfTheExampleIsValid() throws Exception {
        ConfigNode root = TestContext.YAML.parse(EXAMPLE.toString(), Files.readString(EXAMPLE)).get(0);
        Map<String, PolicyFactory> factories = Map.of("rate-limit", new RateLimitFactory(), "ip-access",
                new IpAccessFactory());
        List<ConfigNode> entries = root.get("policies").items();
        assertThat(entries).hasSizeGreaterThanOrEqualTo(4);
        try (TestContext context = new TestContext()) {
            for (ConfigNode entry : entries) {
                Map<String, Object> settings = new LinkedHashMap<>();
                for (String key : entry.keys()) {
                    if (!List.of("id", "name", "listeners").contains(key)) {
                        settings.put(key, entry.get(key));
                    }
                }
                PolicyFactory factory = factories.get(entry.string("id"));
                assertThat(factory).as(entry.path()).isNotNull();
                try (Policy p = factory.create(ConfigNode.fromObject(settings, EXAMPLE.toString()), context)) {
                    assertThat(p).isNotNull();
                }
            }
        }
    }
}
