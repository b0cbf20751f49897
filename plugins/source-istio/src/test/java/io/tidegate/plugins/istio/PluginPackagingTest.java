package io.tidegate.plugins.istio;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What makes this JAR a plugin the kernel can load, and keeps it one. */
class PluginPackagingTest {

    @Test
    void theClassesDirectoryIndexesTheExtension() throws Exception {
        Path classes = Path.of(IstioSourceFactory.class.getProtectionDomain().getCodeSource().getLocation()
                .toURI());
        Path index = classes.resolve("META-INF/extensions.idx");

        assertThat(index).exists();
        assertThat(Files.readAllLines(index, StandardCharsets.UTF_8)).contains(IstioSourceFactory.class.getName());
        assertThat(new IstioSourceFactory().id()).isEqualTo("istio");
    }

    @Test
    void productionCodeUsesOnlyTheSpiPf4jFabric8AndTheJdk() {
        JavaClasses production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tidegate.plugins.istio");
        assertThat(production.contain(IstioSourceFactory.class)).isTrue();
        assertThat(production.contain(PluginPackagingTest.class)).isFalse();

        classes().should().onlyDependOnClassesThat()
                .resideInAnyPackage("io.tidegate.plugins.istio..", "io.tidegate.plugins.support..", "io.tidegate.spi..", "org.pf4j..",
                        "io.fabric8.kubernetes..", "java..")
                .check(production);
    }
}
