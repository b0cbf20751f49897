package io.tidegate.kernel;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** DESIGN.md: the kernel depends on spi, never on a plugin; the routing table knows no Netty. */
class KernelDependencyRulesTest {

    private final JavaClasses kernel = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.tidegate.kernel");

    @Test
    void kernelNeverImportsAPlugin() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.tidegate.plugins..")
                .because("plugins are loaded at run time from drop-in JARs").check(kernel);
    }

    @Test
    void routingTableIsPureJava() {
        noClasses().that().resideInAPackage("io.tidegate.kernel.routing..")
                .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "dagger..", "org.pf4j..")
                .because("the compiled table is a plain immutable structure, testable without an engine")
                .check(kernel);
    }

    @Test
    void compiledRuntimeDoesNotReachIntoTheEngine() {
        noClasses().that().resideInAnyPackage("io.tidegate.kernel.runtime..", "io.tidegate.kernel.reconcile..")
                .should().dependOnClassesThat().resideInAnyPackage("io.tidegate.kernel.engine..", "io.netty..")
                .check(kernel);
    }

    @Test
    void tlsContextsAreCompiledWithoutTheEngine() {
        // kernel.tls is where compiled config holds Netty SslContexts (built once, at compile time).
        noClasses().that().resideInAnyPackage("io.tidegate.kernel.tls..")
                .should().dependOnClassesThat().resideInAnyPackage("io.tidegate.kernel.engine..",
                        "io.tidegate.kernel.runtime..", "io.tidegate.kernel.reconcile..", "io.netty.channel..")
                .check(kernel);
    }
}
