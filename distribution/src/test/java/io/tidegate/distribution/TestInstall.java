package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.config.GatewayConfigLoader;
import io.tidegate.kernel.di.KernelComponent;
import io.tidegate.kernel.runtime.CompiledConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away install directory: {@code plugins/} holding copies of the plugin JARs Maven built,
 * {@code conf/} for the test's config, as {@code bin/tidegate} would see it.
 */
final class TestInstall {

    final Path home;
    final Path plugins;
    final Path conf;
    final Path routes;

    TestInstall(Path home) throws IOException {
        this.home = home;
        this.plugins = Files.createDirectories(home.resolve("plugins"));
        this.conf = Files.createDirectories(home.resolve("conf"));
        this.routes = Files.createDirectories(conf.resolve("routes.d"));
        for (Path jar : builtPluginJars()) {
            Files.copy(jar, plugins.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The plugin JARs the build produced (copied to target/test-plugins by the dependency plugin). */
    static List<Path> builtPluginJars() throws IOException {
        Path dir = Path.of(System.getProperty("tidegate.testPlugins", "target/test-plugins"));
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
            if (jars.isEmpty()) {
                throw new IllegalStateException("no plugin JARs in " + dir + ": run the build through `package`");
            }
            return jars;
        }
    }

    /** Writes conf/tidegate.yaml listening on free loopback ports; returns its path. */
    Path writeConfig(int port, int adminPort, String extra) throws IOException {
        Path file = conf.resolve("tidegate.yaml");
        Files.writeString(file, """
                listeners:
                  - name: web
                    address: 127.0.0.1:%d
                admin:
                  address: 127.0.0.1:%d
                plugins:
                  dir: plugins
                sources:
                  - id: file
                    paths: [conf/routes.d]
                accessLog:
                  enabled: false
                %s
                """.formatted(port, adminPort, extra));
        return file;
    }

    Path writeRoutes(String name, String yaml) throws IOException {
        Path file = routes.resolve(name);
        Path tmp = routes.resolve("." + name + ".tmp");
        Files.writeString(tmp, yaml);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The gateway {@code config} describes, started, once its first configuration is live (within 10 s, else the
     * test fails); every swap from the first on goes to {@code swaps}. A gateway that does not get there is
     * closed before the failure is thrown.
     */
    static Gateway startGateway(Path config, Path home, BlockingQueue<CompiledConfig> swaps) throws Exception {
        Gateway gateway = KernelComponent.factory().create(new GatewayConfigLoader().load(config, home)).gateway();
        try {
            gateway.reconciler().addSwapListener(swaps::add);
            gateway.start();
            assertThat(swaps.poll(10, TimeUnit.SECONDS)).as("first generation").isNotNull();
            return gateway;
        } catch (Exception | AssertionError e) {
            gateway.close();
            throw e;
        }
    }
}
