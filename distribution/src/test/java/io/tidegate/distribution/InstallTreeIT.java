package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quick start as a new user runs it: the unpacked install tree, {@code bin/tidegate validate} on
 * the shipped config, {@code bin/tidegate run}, the demo route answering, SIGTERM stopping it.
 * Only the ports are changed (to free ones) so the test cannot clash with anything on the machine.
 */
class InstallTreeIT {

    private static final Path TREE = Path.of(System.getProperty("tidegate.installTree", "target/tidegate"));

    @Test
    void leakSamplingStaysOffWhenJavaOptsReplacesTheDefaultsAndALaterSettingWins() throws Exception {
        assertThat(launcherProperty("-Xmx128m -XshowSettings:properties"))
                .as("JAVA_OPTS replaces the defaults, not the leak-detection setting").isEqualTo("disabled");
        assertThat(launcherProperty("-XshowSettings:properties -Dio.netty.leakDetection.level=paranoid"))
                .as("a setting in JAVA_OPTS comes later and wins").isEqualTo("paranoid");
    }

    /** {@code io.netty.leakDetection.level} as the JVM that {@code bin/tidegate version} starts with these options sees it. */
    private static String launcherProperty(String javaOpts) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(TREE.resolve("bin/tidegate").toString(), "version")
                .directory(TREE.toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_OPTS", javaOpts);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().map(String::trim).filter(l -> l.startsWith("io.netty.leakDetection.level = "))
                .map(l -> l.substring("io.netty.leakDetection.level = ".length())).findFirst().orElse(null);
    }

    @Test
    void theShippedConfigValidatesAndServesTheDemoRoute(@TempDir Path tmp) throws Exception {
        Path launcher = TREE.resolve("bin/tidegate");
        assertThat(Files.isExecutable(launcher)).as(launcher + " executable").isTrue();
        assertThat(TREE.resolve("conf/tidegate.yaml")).exists();
        assertThat(Files.list(TREE.resolve("plugins")).anyMatch(p -> p.toString().endsWith(".jar"))).isTrue();

        Process validate = new ProcessBuilder(launcher.toString(), "validate", "-c", "conf/tidegate.yaml")
                .directory(TREE.toFile()).redirectErrorStream(true).start();
        String validateOut = new String(validate.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(validate.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(validate.exitValue()).as(validateOut).isZero();
        assertThat(validateOut).contains("OK:");

        int port = TestInstall.freePort();
        int adminPort = TestInstall.freePort();
        String shipped = Files.readString(TREE.resolve("conf/tidegate.yaml"));
        Path config = tmp.resolve("tidegate.yaml");
        Files.writeString(config, shipped.replace("0.0.0.0:8080", "127.0.0.1:" + port)
                .replace("127.0.0.1:9901", "127.0.0.1:" + adminPort));
        Path log = tmp.resolve("gateway.log");
        Process gateway = new ProcessBuilder(launcher.toString(), "run", "-c", config.toString())
                .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            awaitReady(client, adminPort, gateway, log);
            HttpResponse<String> demo = client.send(java.net.http.HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(demo.statusCode()).isEqualTo(200);
            assertThat(demo.body()).startsWith("Hello from Tidegate");
        } finally {
            gateway.destroy(); // SIGTERM: the shutdown hook drains and exits
            assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
        }
        assertThat(Files.readString(log)).contains("first complete configuration is live");
    }

    private static void awaitReady(HttpClient client, int adminPort, Process gateway, Path log)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!gateway.isAlive()) {
                throw new AssertionError("gateway exited: " + Files.readString(log));
            }
            try {
                HttpResponse<String> r = client.send(java.net.http.HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + adminPort + "/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYetListening) {
                // the JVM is still starting
            }
            Thread.sleep(100); // polling a separate process's readiness: no event to await across processes
        }
        throw new AssertionError("not ready within 60s: " + Files.readString(log));
    }
}
