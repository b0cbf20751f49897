package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The policy-ratelimit JAR carries Lettuce, relocated, and no Netty at all: Lettuce runs on the host's
 * Netty (so a worker's Redis connection can live on the worker's event loop), and no second Netty or
 * native library (loaded by name, once per JVM) is inside.
 */
class RateLimitPluginJarTest {

    @Test
    void lettuceIsRelocatedAndNettyIsTheHosts() throws Exception {
        List<Path> jars = TestInstall.builtPluginJars();
        Path jar = jars.stream().filter(p -> p.getFileName().toString().startsWith("tidegate-policy-ratelimit-"))
                .findFirst().orElseThrow(() -> new AssertionError("no policy-ratelimit JAR in " + jars));
        try (JarFile file = new JarFile(jar.toFile())) {
            List<String> names = file.stream().map(e -> e.getName()).toList();
            assertThat(names).filteredOn(n -> n.startsWith("io/netty/") || n.startsWith("reactor/")
                    || n.startsWith("io/lettuce/") || n.startsWith("org/reactivestreams/")
                    || n.startsWith("META-INF/native/") || n.startsWith("META-INF/versions/"))
                    .as("unrelocated or native entries").isEmpty();
            assertThat(names).filteredOn(n -> n.contains("io/netty/")).as("Netty classes").isEmpty();
            assertThat(names).contains("io/tidegate/plugins/ratelimit/shaded/io/lettuce/core/RedisClient.class");
            assertThat(file.getManifest().getMainAttributes().getValue("Plugin-Id")).isEqualTo("policy-ratelimit");
        }
    }
}
