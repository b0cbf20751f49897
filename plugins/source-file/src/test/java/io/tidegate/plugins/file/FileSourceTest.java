package io.tidegate.plugins.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.source.ConfigSource;
import io.tidegate.spi.source.FragmentSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The running source against a real directory, watched with the platform's WatchService (inotify on
 * Linux) and polled. Every wait is on a queue with a deadline; a change must be live within one second.
 */
class FileSourceTest {

    private static final long LIVE_WITHIN_MS = 1000;

    @TempDir
    Path install;
    private Path routes;
    private TestContext context;
    private ConfigSource source;
    private final BlockingQueue<Fragment> published = new LinkedBlockingQueue<>();
    private final BlockingQueue<Boolean> reloads = new LinkedBlockingQueue<>();

    @BeforeEach
    void setUp() throws IOException {
        context = new TestContext(install);
        routes = Files.createDirectories(install.resolve("conf/routes.d"));
    }

    @AfterEach
    void tearDown() {
        if (source != null) {
            source.close();
        }
        context.close();
    }

    private void start(String settings) {
        source = new FileSourceFactory().create("file", TestContext.settings(settings), context, reloads::add);
        source.start(new FragmentSink() {
            @Override
            public void publish(Fragment fragment) {
                published.add(fragment);
            }

            @Override
            public void unavailable(String reason) {
                throw new AssertionError("unavailable: " + reason);
            }
        });
    }

    /** The next fragment, which must come within a second. */
    private Fragment next() throws InterruptedException {
        long start = System.nanoTime();
        Fragment f = published.poll(LIVE_WITHIN_MS, TimeUnit.MILLISECONDS);
        assertThat(f).as("a fragment within %d ms", LIVE_WITHIN_MS).isNotNull();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(LIVE_WITHIN_MS);
        return f;
    }

    private static String respond(String name, String body) {
        return "routes:\n  - name: " + name + "\n    respond: {body: \"" + body + "\"}\n";
    }

    private static String body(Fragment f, String route) {
        return f.routes().stream().filter(r -> r.name().equals(route)).map(Route::action)
                .map(a -> ((RouteAction.DirectResponse) a).body()).findFirst().orElseThrow();
    }

    @Test
    void publishesTheFirstFragmentPromptly() throws Exception {
        Files.writeString(routes.resolve("demo.yaml"), respond("demo", "hello"));

        start("paths: [conf/routes.d]");

        Fragment first = next();
        assertThat(body(first, "demo")).isEqualTo("hello");
        assertThat(first.routes().get(0).provenance().toString())
                .isEqualTo("file:" + routes.resolve("demo.yaml") + "#routes[0]");
        assertThat(first.diagnostics()).isEmpty();
    }

    @Test
    void aModifiedFileIsLiveWithinASecond() throws Exception {
        Path demo = Files.writeString(routes.resolve("demo.yaml"), respond("demo", "v1"));
        start("paths: [conf/routes.d]");
        next();

        Files.writeString(demo, respond("demo", "v2"));

        assertThat(body(next(), "demo")).isEqualTo("v2");
    }

    @Test
    void theWatchServiceAloneMakesAChangeLiveWithinASecond() throws Exception {
        Path demo = Files.writeString(routes.resolve("demo.yaml"), respond("demo", "v1"));
        start("paths: [conf/routes.d]\npollInterval: 1h");
        next();

        Files.writeString(demo, respond("demo", "v2"));

        assertThat(body(next(), "demo")).isEqualTo("v2");
    }

    @Test
    void addedAndDeletedFilesAreLiveWithinASecond() throws Exception {
        Files.writeString(routes.resolve("10-a.yaml"), respond("a", "a"));
        start("paths: [conf/routes.d]");
        next();

        Path b = Files.writeString(routes.resolve("20-b.yaml"), respond("b", "b"));
        assertThat(next().routes()).extracting(Route::name).containsExactly("a", "b");

        Files.delete(b);
        assertThat(next().routes()).extracting(Route::name).containsExactly("a");
    }

    @Test
    void aSingleWatchedFileIsFollowedToo() throws Exception {
        Path file = Files.writeString(install.resolve("conf/edge.yaml"), respond("edge", "v1"));
        start("paths: [conf/edge.yaml]");
        next();

        Files.writeString(file, respond("edge", "v2"));

        assertThat(body(next(), "edge")).isEqualTo("v2");
    }

    @Test
    void touchingOrRewritingAFileUnchangedPublishesNothing() throws Exception {
        Path demo = Files.writeString(routes.resolve("demo.yaml"), respond("demo", "v1"));
        start("paths: [conf/routes.d]\npollInterval: 200ms");
        next();
        // The first reload reports itself after it published: wait for that report, or it could be
        // taken for a reload after the writes below.
        assertThat(reloads.poll(2, TimeUnit.SECONDS)).as("the first reload").isTrue();
        reloads.clear();

        Files.setLastModifiedTime(demo, FileTime.from(Instant.now().plusSeconds(5)));
        Files.writeString(demo, respond("demo", "v1"));

        // Two reloads: the second surely began after both writes (by watch event or by poll).
        for (int i = 0; i < 2; i++) {
            assertThat(reloads.poll(2, TimeUnit.SECONDS)).as("reload %d published", i).isFalse();
        }
        assertThat(published).isEmpty();
    }

    @Test
    void aSyntaxErrorKeepsTheLastGoodVersionAndSaysWhy() throws Exception {
        Path demo = Files.writeString(routes.resolve("demo.yaml"), respond("demo", "v1"));
        start("paths: [conf/routes.d]");
        Fragment good = next();

        Files.writeString(demo, "routes:\n  - name: demo\n    respond: {body: v2\n");

        Fragment broken = next();
        assertThat(broken.routes()).isEqualTo(good.routes());
        assertThat(broken.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.ERROR);
            assertThat(d.message()).startsWith(demo + ":4:1: invalid YAML");
        });

        Files.writeString(demo, respond("demo", "v3"));
        Fragment fixed = next();
        assertThat(body(fixed, "demo")).isEqualTo("v3");
        assertThat(fixed.diagnostics()).isEmpty();
    }

    /**
     * The way the kubelet updates a mounted ConfigMap: files are symlinks through {@code ..data}, itself a
     * symlink to a timestamped directory, swapped atomically by a rename. The file the gateway reads never
     * changes in place.
     */
    @Test
    void followsAKubernetesConfigMapSymlinkSwap() throws Exception {
        Path v1 = Files.createDirectories(routes.resolve("..2026_01_01_00_00_00.1"));
        Files.writeString(v1.resolve("demo.yaml"), respond("demo", "v1"));
        Files.createSymbolicLink(routes.resolve("..data"), v1.getFileName());
        Files.createSymbolicLink(routes.resolve("demo.yaml"), Path.of("..data/demo.yaml"));
        start("paths: [conf/routes.d]");
        assertThat(body(next(), "demo")).isEqualTo("v1");

        Path v2 = Files.createDirectories(routes.resolve("..2026_01_01_00_01_00.2"));
        Files.writeString(v2.resolve("demo.yaml"), respond("demo", "v2"));
        Path tmp = Files.createSymbolicLink(routes.resolve("..data_tmp"), v2.getFileName());
        Files.move(tmp, routes.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        assertThat(body(next(), "demo")).isEqualTo("v2");
    }

    @Test
    void closeStopsTheWatcherThread() throws Exception {
        Files.writeString(routes.resolve("demo.yaml"), respond("demo", "v1"));
        start("paths: [conf/routes.d]");
        next();
        Thread watcher = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("tidegate-source-file-file")).findFirst().orElseThrow();
        assertThat(watcher.isDaemon()).isTrue();

        source.close();

        watcher.join(LIVE_WITHIN_MS);
        assertThat(watcher.isAlive()).isFalse();
    }
}
