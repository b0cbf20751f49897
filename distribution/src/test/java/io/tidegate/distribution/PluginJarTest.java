package io.tidegate.distribution;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import io.tidegate.kernel.plugin.PluginHost;
import java.nio.file.Path;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin JARs as Maven built them: they load by drop-in, expose their extensions, and obey DESIGN.md. */
class PluginJarTest {

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
            assertThat(host.unknownIdMessage("source", "kubernetes", host.sources().keySet()))
                    .containsPattern("no loaded plugin provides source 'kubernetes' \\(available: [^)]*\\bfile\\b")
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
            JavaClasses classes = new ClassFileImporter().importJar(new JarFile(jar.toFile()));
            noClasses().that().resideInAPackage("io.tidegate.plugins..")
                    .should().dependOnClassesThat().resideInAnyPackage("io.tidegate.kernel..")
                    .because("a plugin depends on spi, never on the kernel (DESIGN.md)")
                    .check(classes);
        }
    }
}
