package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.plugin.PluginHost;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policy-auth JAR as Maven built it: PF4J finds its four factories in the plugin's own class loader. */
class AuthPluginJarTest {

    @Test
    void theAuthJarExposesItsFourPolicies(@TempDir Path home) throws Exception {
        TestInstall install = new TestInstall(home);
        try (PluginHost host = new PluginHost(install.plugins)) {
            host.load();
            assertThat(host.failures()).isEmpty();
            assertThat(host.policies()).containsKeys("basic-auth", "api-key", "jwt", "ext-auth");
            assertThat(host.policies().get("jwt").getClass().getClassLoader())
                    .isNotSameAs(PluginHost.class.getClassLoader());
        }
        // Its libraries are shaded in and never on the kernel's class path.
        assertThat(AuthPluginJarTest.class.getClassLoader().getResource("com/nimbusds/jwt/SignedJWT.class")).isNull();
        assertThat(AuthPluginJarTest.class.getClassLoader().getResource("at/favre/lib/crypto/bcrypt/BCrypt.class")).isNull();
    }
}
