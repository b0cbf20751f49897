package io.tidegate.plugins.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What users copy from: every policy binding in {@code config/examples/auth*.yaml} and in the
 * {@code yaml} blocks of {@code docs/policy-auth.md} must be accepted by its factory. Bindings that
 * name a file (htpasswdFile, jwksFile) are checked for their other settings only.
 */
class ShippedExamplesTest {

    private static final Path REPO = Path.of("").toAbsolutePath().resolve("../..").normalize();
    private static final Pattern FENCE = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);
    private static final Map<String, PolicyFactory> FACTORIES = Map.of("basic-auth", new BasicAuthFactory(),
            "api-key", new ApiKeyFactory(), "jwt", new JwtFactory(), "ext-auth", new ExtAuthFactory());

    private final TestContext context = new TestContext(REPO);
    private final List<Policy> created = new ArrayList<>();

    @AfterEach
    void close() {
        created.forEach(Policy::close);
        context.close();
    }

    @Test
    void everyBindingInTheExamplesIsValid() throws IOException {
        int bindings = 0;
        for (String name : List.of("auth-tidegate.yaml", "auth-routes.yaml")) {
            Path file = REPO.resolve("config/examples").resolve(name);
            bindings += check(name, Files.readString(file));
        }
        assertThat(bindings).isEqualTo(5);
    }

    @Test
    void everyBindingInTheDocsIsValid() throws IOException {
        Matcher m = FENCE.matcher(Files.readString(REPO.resolve("docs/policy-auth.md")));
        int bindings = 0;
        int block = 0;
        while (m.find()) {
            bindings += check("docs/policy-auth.md block " + (++block), m.group(1));
        }
        assertThat(bindings).isEqualTo(7);
    }

    private int check(String origin, String yaml) {
        int n = 0;
        for (ConfigNode doc : TestContext.YAML.parse(origin, yaml)) {
            List<ConfigNode> entries = new ArrayList<>(doc.find("policies").map(ConfigNode::items).orElse(List.of()));
            for (ConfigNode route : doc.find("routes").map(ConfigNode::items).orElse(List.of())) {
                entries.addAll(route.find("policies").map(ConfigNode::items).orElse(List.of()));
            }
            for (ConfigNode entry : entries) {
                PolicyFactory factory = FACTORIES.get(entry.string("id"));
                if (factory == null || entry.has("htpasswdFile") || entry.has("jwksFile")) {
                    continue;
                }
                Map<String, ConfigNode> settings = new java.util.LinkedHashMap<>();
                for (String key : entry.keys()) {
                    if (!Set.of("id", "name", "listeners").contains(key)) {
                        settings.put(key, entry.get(key));
                    }
                }
                created.add(factory.create(ConfigNode.map(entry.location(), entry.path(), settings), context));
                n++;
            }
        }
        return n;
    }
}
