package io.tidegate.plugins.auth;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.tidegate.spi.policy.PolicyFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What makes this JAR a plugin the kernel can load, and keeps it one. */
class PluginPackagingTest {

    static final List<PolicyFactory> FACTORIES = List.of(new BasicAuthFactory(), new ApiKeyFactory(),
            new JwtFactory(), new ExtAuthFactory());

    @Test
    void theClassesDirectoryIndexesEveryFactory() throws Exception {
        Path classes = Path.of(JwtFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path index = classes.resolve("META-INF/extensions.idx");
        assertThat(index).exists();
        assertThat(Files.readAllLines(index, StandardCharsets.UTF_8)).contains(
                BasicAuthFactory.class.getName(), ApiKeyFactory.class.getName(), JwtFactory.class.getName(),
                ExtAuthFactory.class.getName());
        assertThat(FACTORIES).extracting(PolicyFactory::id).containsExactly("basic-auth", "api-key", "jwt", "ext-auth");
    }

    @Test
    void productionCodeUsesOnlyTheSpiPf4jTheJdkAndItsTwoLibraries() {
        JavaClasses production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tidegate.plugins.auth");
        assertThat(production.contain(JwtPolicy.class)).isTrue();
        assertThat(production.contain(PluginPackagingTest.class)).isFalse();

        classes().should().onlyDependOnClassesThat()
                .resideInAnyPackage("io.tidegate.plugins.auth..", "io.tidegate.spi..", "org.pf4j..", "java..",
                        "com.nimbusds.jose..", "com.nimbusds.jwt..", "at.favre.lib.crypto.bcrypt..")
                .check(production);
    }
}
