package io.tidegate.plugins.ratelimit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
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
    void theClassesDirectoryIndexesEveryExtension() throws Exception {
        Path classes = Path.of(RateLimitFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(Files.readAllLines(classes.resolve("META-INF/extensions.idx"), StandardCharsets.UTF_8))
                .contains(RateLimitFactory.class.getName(), IpAccessFactory.class.getName(),
                        ConcurrencyLimitFactory.class.getName());
        assertThat(new RateLimitFactory().id()).isEqualTo("rate-limit");
        assertThat(new IpAccessFactory().id()).isEqualTo("ip-access");
        assertThat(new ConcurrencyLimitFactory().id()).isEqualTo("concurrency-limit");
    }

    @Test
    void productionCodeUsesOnlyTheSpiPf4jLettuceAndTheJdkAndNettyOnlyToFindTheWorkerLoop() {
        JavaClasses production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tidegate.plugins.ratelimit");
        assertThat(production.contain(RateLimitFactory.class)).isTrue();
        classes().should().onlyDependOnClassesThat()
                .resideInAnyPackage("io.tidegate.plugins.ratelimit..", "io.tidegate.spi..", "org.pf4j..", "java..",
                        "io.lettuce.core..", "io.netty..")
                .check(production);
        // The host's Netty is there for Lettuce; this plugin's own code only finds and lends the worker's loop.
        noClasses().that().haveNameNotMatching(".*\\.(WorkerLoops|RedisLimiter)(\\$.*)?")
                .should().dependOnClassesThat().resideInAPackage("io.netty..")
                .check(production);
    }
}
