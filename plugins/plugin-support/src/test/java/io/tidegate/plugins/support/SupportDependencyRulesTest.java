package io.tidegate.plugins.support;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The shared helpers use the JDK only, so every plugin can carry them without new libraries. */
class SupportDependencyRulesTest {

    @Test
    void supportCodeUsesOnlyTheJdk() {
        JavaClasses production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tidegate.plugins.support");
        classes().should().onlyDependOnClassesThat().resideInAnyPackage("io.tidegate.plugins.support..", "java..")
                .check(production);
    }
}
