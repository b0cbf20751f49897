package io.tidegate.plugins.egress;

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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

/**
 * A {@link PluginContext} as the kernel lends it, minus the kernel: the real YAML reader, metrics that
 * record counter values by name and labels, and the listeners of a typical egress setup.
 */
final class TestContext implements PluginContext {

    static final YamlReader YAML = new SnakeYamlReader();

    static final List<Listener> LISTENERS = List.of(
            new Listener("web", new SocketAddress("0.0.0.0", 8080), ListenerProtocol.HTTP, ListenerRole.INGRESS,
                    null, List.of()),
            new Listener("egress", new SocketAddress("127.0.0.1", 3128), ListenerProtocol.HTTP, ListenerRole.EGRESS,
                    null, List.of()),
            new Listener("passthrough", new SocketAddress("127.0.0.1", 8443), ListenerProtocol.TLS_PASSTHROUGH,
                    ListenerRole.EGRESS, null, List.of()));

    /** Counter values by {@code name{label,label}}. */
    final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();

    /** Settings as a policies: entry would carry them (without id). */
    static ConfigNode settings(String yaml) {
        return YAML.parse("tidegate.yaml", yaml).get(0);
    }

    long counter(String name, String... labels) {
        AtomicLong v = counters.get(name + "{" + String.join(",", labels) + "}");
        return v == null ? 0 : v.get();
    }

    @Override
    public ScheduledExecutorService scheduler() {
        throw new UnsupportedOperationException("the egress policy schedules nothing");
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
                    AtomicLong v = counters.computeIfAbsent(name + "{" + String.join(",", values) + "}",
                            k -> new AtomicLong());
                    return new Counter() {
                        @Override
                        public void increment() {
                            v.incrementAndGet();
                        }

                        @Override
                        public void add(long amount) {
                            v.addAndGet(amount);
                        }
                    };
                };
            }

            @Override
            public HistogramFamily histogram(String name, String help, double[] buckets, String... labelNames) {
                throw new UnsupportedOperationException();
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
        return host -> CompletableFuture.failedFuture(new UnknownHostException(host + " (the policy does no DNS)"));
    }

    @Override
    public List<Listener> listeners() {
        return LISTENERS;
    }

    @Override
    public Path resolvePath(String path) {
        return Path.of(path);
    }
}
