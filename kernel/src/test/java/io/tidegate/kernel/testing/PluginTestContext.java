package io.tidegate.kernel.testing;

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
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

/**
 * A {@link PluginContext} as the kernel lends it, minus the kernel, for plugin tests: the real YAML
 * reader, a real scheduler of two threads (as the kernel's), paths resolved against a test's
 * temporary directory (standing for the install directory), counters the test can read, and no DNS.
 * Plugins' own {@code TestContext}s extend it with what only they need (a hand-moved clock, other
 * listeners).
 */
public class PluginTestContext implements PluginContext, AutoCloseable {

    /** The listeners of a typical tidegate.yaml: two HTTP ones and a TCP one routes may not name. */
    public static final List<Listener> LISTENERS = List.of(
            listener("web", ListenerProtocol.HTTP, ListenerRole.INGRESS),
            listener("websecure", ListenerProtocol.HTTPS, ListenerRole.INGRESS),
            listener("postgres", ListenerProtocol.TCP, ListenerRole.INGRESS));

    public static final Map<String, ListenerProtocol> LISTENER_PROTOCOLS = Map.of(
            "web", ListenerProtocol.HTTP, "websecure", ListenerProtocol.HTTPS, "postgres", ListenerProtocol.TCP);

    public static final YamlReader YAML = new SnakeYamlReader();

    private final Path installDir;
    private final List<Listener> listeners;
    private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "test-plugin-scheduler");
        t.setDaemon(true);
        return t;
    });

    public PluginTestContext(Path installDir) {
        this(installDir, LISTENERS);
    }

    public PluginTestContext(Path installDir, List<Listener> listeners) {
        this.installDir = installDir;
        this.listeners = List.copyOf(listeners);
    }

    /** Settings as a {@code sources:} or {@code policies:} entry carries them (without id and name). */
    public static ConfigNode settings(String yaml) {
        return YAML.parse("tidegate.yaml", yaml).get(0);
    }

    /** A listener on loopback port 0. */
    public static Listener listener(String name, ListenerProtocol protocol, ListenerRole role) {
        return new Listener(name, new SocketAddress("127.0.0.1", 0), protocol, role, null, List.of());
    }

    /** The value of counter {@code name} with these label values; 0 when never incremented. */
    public long counter(String name, String... labels) {
        AtomicLong c = counters.get(key(name, labels));
        return c == null ? 0 : c.get();
    }

    private static String key(String name, String... labels) {
        return name + "{" + String.join(",", labels) + "}";
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
        return new Metrics() {
            @Override
            public CounterFamily counter(String name, String help, String... labelNames) {
                return values -> {
                    AtomicLong c = counters.computeIfAbsent(key(name, values), k -> new AtomicLong());
                    return new Counter() {
                        @Override
                        public void increment() {
                            c.incrementAndGet();
                        }

                        @Override
                        public void add(long amount) {
                            c.addAndGet(amount);
                        }
                    };
                };
            }

            @Override
            public HistogramFamily histogram(String name, String help, double[] buckets, String... labelNames) {
                return values -> value -> { };
            }

            @Override
            public void gauge(String name, String help, DoubleSupplier value) {
            }
        };
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
        return listeners;
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

    /** A clock that moves only when the test says, starting at a fixed instant or the real time. */
    public static final class ManualClock extends Clock {
        private volatile Instant now;

        public ManualClock(Instant start) {
            this.now = start;
        }

        public void advance(Duration d) {
            now = now.plus(d);
        }

        public void advanceMillis(long millis) {
            advance(Duration.ofMillis(millis));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
