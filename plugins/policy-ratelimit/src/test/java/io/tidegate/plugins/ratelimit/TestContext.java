package io.tidegate.plugins.ratelimit;

import io.tidegate.kernel.config.SnakeYamlReader;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Listener;
import io.tidegate.spi.plugin.DnsResolver;
import io.tidegate.spi.plugin.Metrics;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.plugin.YamlReader;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
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
 * A {@link PluginContext} as the kernel lends it, with a clock the test moves by hand (buckets are
 * tested without sleeping) and counters the test can read.
 */
final class TestContext implements PluginContext, AutoCloseable {

    static final YamlReader YAML = new SnakeYamlReader();

    final ManualClock clock = new ManualClock();
    final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "test-plugin-scheduler");
        t.setDaemon(true);
        return t;
    });

    /** Settings as a policies: entry carries them (without id, name and listeners). */
    static ConfigNode settings(String yaml) {
        return YAML.parse("tidegate.yaml", yaml).get(0);
    }

    long counter(String name, String... labels) {
        AtomicLong c = counters.get(name + List.of(labels));
        return c == null ? 0 : c.get();
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public Metrics metrics() {
        return new Metrics() {
            @Override
            public CounterFamily counter(String name, String help, String... labelNames) {
                return values -> {
                    AtomicLong c = counters.computeIfAbsent(name + List.of(values), k -> new AtomicLong());
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
        return List.of();
    }

    @Override
    public Path resolvePath(String path) {
        return Path.of(path);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    /** A clock that moves only when told. */
    static final class ManualClock extends Clock {
        private final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

        void advanceMillis(long ms) {
            millis.addAndGet(ms);
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
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    }
}
