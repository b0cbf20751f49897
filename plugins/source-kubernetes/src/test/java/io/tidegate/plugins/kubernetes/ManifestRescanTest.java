package io.tidegate.plugins.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.source.ConfigSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offline rescans: unchanged files are neither parsed nor translated again; a change is. */
class ManifestRescanTest {

    private static String ingress(String path) {
        return """
                apiVersion: networking.k8s.io/v1
                kind: IngressClass
                metadata: {name: tidegate}
                spec: {controller: tidegate.io/ingress-controller}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: shop, namespace: web}
                spec:
                  ingressClassName: tidegate
                  rules:
                  - host: shop.example.com
                    http:
                      paths:
                      - {path: %s, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}
                """.formatted(path);
    }

    private static boolean hasPath(Fragment f, String path) {
        return f.routes().stream().anyMatch(r -> r.match().path() != null && path.equals(r.match().path().value()));
    }

    @Test
    void rescansOfUnchangedFilesPublishNothingAndAChangeIsPublishedOnce(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("shop.yaml"), ingress("/cart"));
        // One permit per translation. The callback runs after the fragment reaches the sink, so the test
        // awaits permits rather than reading a counter that may not have moved yet.
        Semaphore translations = new Semaphore(0);
        RecordingSink sink = new RecordingSink();
        try (TestContext context = new TestContext(dir);
             ConfigSource source = new KubernetesSourceFactory().create("k8s",
                     TestContext.settings("manifests: [" + dir + "]\npollInterval: 100ms\ndebounce: 10ms"), context,
                     null, t -> translations.release())) {
            source.start(sink);
            sink.await(f -> hasPath(f, "/cart"), Duration.ofSeconds(10));
            assertThat(translations.tryAcquire(10, TimeUnit.SECONDS)).as("the first translation").isTrue();

            // Ten rescans of the same bytes (and a touch): nothing is translated or published again.
            Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
            assertThat(sink.fragments.poll(1, TimeUnit.SECONDS)).as("a spurious publish").isNull();
            assertThat(translations.availablePermits()).as("translations of unchanged bytes").isZero();

            Path tmp = Files.writeString(dir.resolve(".shop.yaml.tmp"), ingress("/checkout"));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Fragment changed = sink.await(f -> hasPath(f, "/checkout"), Duration.ofSeconds(10));
            assertThat(hasPath(changed, "/cart")).isFalse();
            assertThat(translations.tryAcquire(10, TimeUnit.SECONDS)).as("the change's translation").isTrue();
            assertThat(sink.fragments.poll(500, TimeUnit.MILLISECONDS)).as("a second publish of one change").isNull();
            assertThat(translations.availablePermits()).as("translations beyond the change's one").isZero();
        }
    }
}
