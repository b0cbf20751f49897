package io.tidegate.plugins.support.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.source.FragmentSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offline loop with a translator that only names what it was given: a file that breaks keeps its last
 * good objects and is named; a missing root is named; a fixed file publishes again.
 */
class ManifestSourceTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final BlockingQueue<List<String>> translated = new LinkedBlockingQueue<>();
    private final BlockingQueue<Fragment> published = new LinkedBlockingQueue<>();
    private final List<String> unavailable = new CopyOnWriteArrayList<>();
    private ManifestSource<Fragment> source;

    @AfterEach
    void close() {
        if (source != null) {
            source.close();
        }
        scheduler.shutdownNow();
        assertThat(unavailable).as("a file problem is a diagnostic, not an unavailable source").isEmpty();
    }

    private void start(Path... manifests) {
        ObjectTranslator<Fragment> names = ObjectTranslator.ofFragments(objects -> {
            translated.add(objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList());
            return new Fragment(List.of(), List.of(), List.of(), List.of(), List.of());
        });
        source = new ManifestSource<>(new SourceContext("test", "offline", scheduler,
                System.getLogger(ManifestSourceTest.class.getName())), TestSettings.offline(List.of(manifests)), names,
                f -> { });
        source.start(new FragmentSink() {
            @Override
            public void unavailable(String reason) {
                unavailable.add(reason);
            }

            @Override
            public void publish(Fragment fragment) {
                published.add(fragment);
            }
        });
    }

    private <E> E next(BlockingQueue<E> queue) throws InterruptedException {
        E e = queue.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(e).as("within " + WAIT).isNotNull();
        return e;
    }

    @Test
    void aBrokenFileKeepsItsLastGoodObjectsAndIsNamedUntilFixed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("a.yaml");
        Files.writeString(file, "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n");
        start(dir);
        assertThat(next(translated)).containsExactly("Service/a");
        assertThat(next(published).diagnostics()).isEmpty();

        writeWhileRunning(file, "apiVersion: v1\nkind: Service\nmetadata: {name: [broken\n");
        Fragment broken = next(published);
        assertThat(broken.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.ERROR);
            assertThat(d.toString()).contains(file.toString()).contains("document 1: ")
                    .contains("its last good objects stay live");
        });
        assertThat(translated).contains(List.of("Service/a"));

        translated.clear();
        writeWhileRunning(file, "apiVersion: v1\nkind: Service\nmetadata: {name: b}\n");
        assertThat(next(published).diagnostics()).isEmpty();
        assertThat(translated).contains(List.of("Service/b"));
    }

    @Test
    void aMissingRootIsNamedAndTheOthersServe(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.yaml"),
                "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: shop}\n");
        Path missing = dir.resolve("missing");
        start(missing, dir);
        Fragment f = next(published);
        assertThat(next(translated)).containsExactly("Secret/s");
        assertThat(f.diagnostics()).singleElement().satisfies(d -> assertThat(d.toString())
                .contains(missing.toString()).contains("manifests").contains("does not exist"));
    }

    @Test
    void anUnchangedRescanTranslatesNothing(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.yaml"), "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n");
        start(dir);
        assertThat(next(translated)).containsExactly("Service/a");
        // A later edit is the next translation: the rescans between (every 100ms) found nothing new.
        writeWhileRunning(dir.resolve("b.yaml"), "apiVersion: v1\nkind: Service\nmetadata: {name: b}\n");
        assertThat(next(translated)).containsExactly("Service/a", "Service/b");
    }

    /**
     * Replaces or creates {@code file} in one step (a move from a file outside the watched roots): a rescan
     * running meanwhile sees the old content or the new, never a half-written file.
     */
    private static void writeWhileRunning(Path file, String content) throws java.io.IOException {
        Path staged = Files.createTempFile(file.getParent().getParent(), "manifest", ".tmp"); // same file system
        Files.writeString(staged, content);
        Files.move(staged, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
