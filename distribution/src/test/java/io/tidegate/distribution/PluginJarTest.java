package io.tidegate.distribution;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import io.tidegate.kernel.plugin.PluginHost;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin JARs as Maven built them: they load by drop-in, expose their extensions, and obey DESIGN.md. */
class PluginJarTest {

    /**
     * The Maven-built libraries each plugin may shade in, as "groupId/artifactId" prefixes of its
     * META-INF/maven entries: its own runtime libraries and nothing that came with its tests. A new library
     * of a plugin goes here on purpose. (Libraries built without Maven, such as OkHttp and Kotlin's stdlib in
     * source-consul, leave no such entry.)
     */
    private static final Map<String, List<String>> BUNDLED_LIBRARIES = Map.of(
            "source-file", List.of("io.tidegate/tidegate-source-file", "io.tidegate/tidegate-plugin-support"),
            "policy-egress", List.of("io.tidegate/tidegate-policy-egress"),
            "policy-auth", List.of("io.tidegate/tidegate-policy-auth", "com.nimbusds/nimbus-jose-jwt",
                    // nimbus-jose-jwt's own shaded Gson and JCIP annotations
                    "com.google.code.gson/gson", "com.github.stephenc.jcip/jcip-annotations",
                    "at.favre.lib/bcrypt", "at.favre.lib/bytes"),
            "policy-ratelimit", List.of("io.tidegate/tidegate-policy-ratelimit", "io.lettuce/lettuce-core",
                    "redis.clients.authentication/redis-authx-core"),
            "source-kubernetes", kubernetesLibraries("io.tidegate/tidegate-source-kubernetes"),
            "source-istio", kubernetesLibraries("io.tidegate/tidegate-source-istio"),
            "source-consul", List.of("io.tidegate/tidegate-source-consul", "org.kiwiproject/consul-client",
                    "org.apache.commons/commons-lang3", "com.google.guava/", "com.google.errorprone/",
                    "com.google.j2objc/", "org.jetbrains/annotations", "com.fasterxml.jackson.core/",
                    "com.fasterxml.jackson.datatype/jackson-datatype-", "jakarta.annotation/jakarta.annotation-api"));

    /** fabric8 with its Jackson 3 (which uses Jackson 2's annotations) and SnakeYAML Engine, and our shared code. */
    private static List<String> kubernetesLibraries(String self) {
        return List.of(self, "io.tidegate/tidegate-kubernetes-support", "io.tidegate/tidegate-plugin-support",
                "io.fabric8/kubernetes-", "io.fabric8/zjsonpatch", "tools.jackson.core/jackson-",
                "tools.jackson.dataformat/jackson-dataformat-yaml", "com.fasterxml.jackson.core/jackson-annotations",
                "org.snakeyaml/snakeyaml-engine");
    }

    @Test
    void aJarDroppedIntoThePluginsDirIsLoadedAndItsExtensionFound(@TempDir Path home) throws Exception {
        TestInstall install = new TestInstall(home);
        try (PluginHost host = new PluginHost(install.plugins)) {
            host.load();
            assertThat(host.failures()).isEmpty();
            assertThat(host.sources()).containsKey("file");
            // The extension's class comes from the plugin's own class loader, not the kernel's.
            assertThat(host.sources().get("file").getClass().getClassLoader())
                    .isNotSameAs(PluginHost.class.getClassLoader());
        }
    }

    @Test
    void aBrokenJarIsReportedByNameAndTheOthersStillLoad(@TempDir Path home) throws Exception {
        TestInstall install = new TestInstall(home);
        java.nio.file.Files.writeString(install.plugins.resolve("broken.jar"), "not a jar");
        try (PluginHost host = new PluginHost(install.plugins)) {
            host.load();
            assertThat(host.sources()).containsKey("file");
            assertThat(host.failures()).containsKey("broken.jar");
            assertThat(host.unknownIdMessage("source", "nonexistent", host.sources().keySet()))
                    .contains("no loaded plugin provides source 'nonexistent' (available: ").contains("file")
                    .contains("broken.jar");
        }
    }

    @Test
    void everyPluginJarCarriesItsExtensionIndexAndNoSharedClasses() throws Exception {
        for (Path jar : TestInstall.builtPluginJars()) {
            try (JarFile file = new JarFile(jar.toFile())) {
                assertThat(file.getEntry("META-INF/extensions.idx")).as(jar + " extensions.idx").isNotNull();
                assertThat(file.getManifest().getMainAttributes().getValue("Plugin-Id")).as(jar + " Plugin-Id")
                        .isNotBlank();
                var shared = file.stream().map(e -> e.getName())
                        .filter(n -> n.startsWith("io/tidegate/spi/") || n.startsWith("io/tidegate/kernel/")
                                || n.startsWith("org/pf4j/") || n.startsWith("org/slf4j/"))
                        .collect(Collectors.toList());
                assertThat(shared).as(jar + " must get spi, PF4J and SLF4J from the kernel").isEmpty();
            }
        }
    }

    @Test
    void pluginsSeeOnlyTheSpi() throws Exception {
        for (Path jar : TestInstall.builtPluginJars()) {
            // Only the plugins' own classes: shaded libraries (fabric8 is thousands of classes) are not ours to check.
            JavaClasses classes = new ClassFileImporter()
                    .withImportOption(location -> location.contains("/io/tidegate/"))
                    .importJar(new JarFile(jar.toFile()));
            noClasses().that().resideInAPackage("io.tidegate.plugins..")
                    .should().dependOnClassesThat().resideInAnyPackage("io.tidegate.kernel..")
                    .because("a plugin depends on spi, never on the kernel (DESIGN.md)")
                    .check(classes);
        }
    }

    @Test
    void noPluginJarCarriesANetty() throws Exception {
        // Each plugin has its own class loader, looking in the plugin first: a Netty inside a plugin JAR would be
        // a second copy next to the kernel's, and its native transport must never load twice in one JVM.
        // policy-ratelimit's Lettuce runs on the host's Netty (to share the worker loops), so it bundles none either.
        for (Path jar : TestInstall.builtPluginJars()) {
            try (JarFile file = new JarFile(jar.toFile())) {
                List<String> names = file.stream().map(JarEntry::getName).toList();
                assertThat(names).filteredOn(n -> n.startsWith("io/netty/") || n.startsWith("META-INF/native/"))
                        .as(jar + ": Netty classes or native libraries outside a relocated package").isEmpty();
                List<String> nettyClasses = names.stream()
                        .filter(n -> n.endsWith(".class") && n.contains("io/netty/")).toList();
                assertThat(nettyClasses).as(jar + ": Netty classes").isEmpty();
                assertThat(names).filteredOn(n -> n.startsWith("META-INF/maven/io.netty/"))
                        .as(jar + ": Netty libraries").isEmpty();
            }
        }
    }

    @Test
    void everyPluginJarBundlesOnlyItsOwnRuntimeLibraries() throws Exception {
        for (Path jar : TestInstall.builtPluginJars()) {
            try (JarFile file = new JarFile(jar.toFile())) {
                String id = pluginId(file);
                assertThat(BUNDLED_LIBRARIES).as("the libraries plugin " + id + " may bundle").containsKey(id);
                List<String> allowed = BUNDLED_LIBRARIES.get(id);
                List<String> bundled = file.stream().map(JarEntry::getName)
                        .filter(n -> n.startsWith("META-INF/maven/") && n.endsWith("/pom.properties"))
                        .map(n -> n.substring("META-INF/maven/".length(), n.length() - "/pom.properties".length()))
                        .toList();
                assertThat(bundled).as(jar + " bundles its own module").contains("io.tidegate/tidegate-" + id);
                assertThat(bundled).as(jar + ": libraries that are not this plugin's runtime libraries")
                        .filteredOn(library -> allowed.stream().noneMatch(library::startsWith)).isEmpty();
            }
        }
    }

    private static String pluginId(JarFile file) throws java.io.IOException {
        return file.getManifest().getMainAttributes().getValue("Plugin-Id");
    }
}
