package io.tidegate.spi;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** DESIGN.md: spi depends on nothing of ours and on no Netty, fabric8, Consul or Dagger type: JDK and PF4J only. */
class SpiDependencyRulesTest {

    private final JavaClasses spi = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.tidegate.spi");

    @Test
    void spiUsesOnlyTheJdkAndPf4j() {
        classes().should().onlyDependOnClassesThat()
                .resideInAnyPackage("java..", "io.tidegate.spi..", "org.pf4j..")
                .because("plugins compile against spi alone; no engine or client-library type may leak into it")
                .check(spi);
    }
}
