package io.tidegate.plugins.support.kubernetes;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Shaded into plugins, so it sees what a plugin may see: the spi, fabric8, the JDK-only helpers, the JDK. */
class KubernetesSupportDependencyRulesTest {

    @Test
    void supportCodeUsesOnlyTheSpiFabric8AndTheJdk() {
        JavaClasses production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tidegate.plugins.support.kubernetes");
        classes().should().onlyDependOnClassesThat().resideInAnyPackage("io.tidegate.plugins.support..",
                        "io.tidegate.spi..", "io.fabric8.kubernetes..", "java..")
                .because("plugins only see the spi; the kernel is not theirs to use")
                .check(production);
    }
}
