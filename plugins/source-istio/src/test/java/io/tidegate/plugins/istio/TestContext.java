package io.tidegate.plugins.istio;

import io.tidegate.kernel.config.SnakeYamlReader;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Listener;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.ListenerRole;
import io.tidegate.spi.model.SocketAddress;
import io.tidegate.spi.plugin.DnsResolver;
import io.tidegate.spi.plugin.Metrics;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.plugin.YamlReader;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.DoubleSupplier;

/**
 * A {@link PluginContext} as the kernel lends it, minus the kernel: the real YAML reader, a real
 * scheduler of two threads (as the kernel's), and paths resolved against a test's temporary directory
 * (standing for the install directory).
 */
final class TestContext implements PluginContext, AutoCloseable {

    /** The listeners of a typical tidegate.yaml: two HTTP ones and a TCP one routes may not name. */
    static final List<Listener> LISTENERS = List.of(
            listener("web", ListenerProtocol.HTTP),
            listener("websecure", ListenerProtocol.HTTPS),
            listener("postgres", ListenerProtocol.TCP));

    static final Map<String, ListenerProtocol> LISTENER_PROTOCOLS = Map.of(
            "web", ListenerProtocol.HTTP, "websecure", ListenerProtocol.HTTPS, "postgres", ListenerProtocol.TCP);

    static final YamlReader YAML = new SnakeYamlReader();

    private final Path installDir;
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "test-plugin-scheduler");
        t.setDaemon(true);
        return t;
    });

    TestContext(Path installDir) {
        this.installDir = installDir;
    }

    /** Settings as a sources: entry would carry them (without id and name). */
    static ConfigNode settings(String yaml) {
        return YAML.parse("tidegate.yaml", yaml).get(0);
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    @Override
    public Clock clock() {
        return Clock.systemUTC();
    }

    @Override
    public Metrics metrics() {
        return NoMetrics.INSTANCE;
    }

    @Override
    public System.Logger logger(String name) {
        return System.getLogger("test." + name);
    }

    @Override
    public YamlReader yaml() {
        return YAML;
    }

    @Override
    public DnsResolver dns() {
        return host -> CompletableFuture.failedFuture(new UnknownHostException(host + " (tests do no DNS)"));
    }

    @Override
    public List<Listener> listeners() {
        return LISTENERS;
    }

    @Override
    public Path resolvePath(String path) {
        Path p = Path.of(path);
        return p.isAbsolute() ? p : installDir.resolve(p).normalize();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    private static Listener listener(String name, ListenerProtocol protocol) {
        return new Listener(name, new SocketAddress("127.0.0.1", 0), protocol, ListenerRole.INGRESS, null, List.of());
    }

    /** Metrics that go nowhere: the file source registers none today, but the context must offer them. */
    private enum NoMetrics implements Metrics, Metrics.Counter, Metrics.Histogram {
        INSTANCE;

        @Override
        public CounterFamily counter(String name, String help, String... labelNames) {
            return labels -> this;
        }

        @Override
        public HistogramFamily histogram(String name, String help, double[] buckets, String... labelNames) {
            return labels -> this;
        }

        @Override
        public void gauge(String name, String help, DoubleSupplier value) {
        }

        @Override
        public void increment() {
        }

        @Override
        public void add(long amount) {
        }

        @Override
        public void observe(double value) {
        }
    }
}
