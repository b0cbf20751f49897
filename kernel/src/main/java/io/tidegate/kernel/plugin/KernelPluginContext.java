package io.tidegate.kernel.plugin;

import static java.util.Objects.requireNonNull;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tidegate.kernel.config.ResolverSettings;
import io.tidegate.kernel.config.SnakeYamlReader;
import io.tidegate.kernel.dns.DnsResolvers;
import io.tidegate.spi.model.Listener;
import io.tidegate.spi.plugin.DnsResolver;
import io.tidegate.spi.plugin.Metrics;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.plugin.YamlReader;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The {@link PluginContext} every plugin gets: shared scheduler, clock, metrics, YAML, async DNS. */
public final class KernelPluginContext implements PluginContext, AutoCloseable {

    private final ScheduledThreadPoolExecutor scheduler;
    private final Clock clock;
    private final Metrics metrics;
    private final List<Listener> listeners;
    private final Path installDir;
    private final YamlReader yaml = new SnakeYamlReader();
    private final ResolverSettings dnsSettings;
    private EventLoopGroup dnsLoop;
    private DnsNameResolver dnsResolver;

    public KernelPluginContext(Metrics metrics, List<Listener> listeners, Path installDir, Clock clock) {
        this(metrics, listeners, installDir, clock, ResolverSettings.SYSTEM);
    }

    /** @param dns {@code engine.resolver}: plugins resolve with the engine's servers and cache bounds */
    public KernelPluginContext(Metrics metrics, List<Listener> listeners, Path installDir, Clock clock,
                               ResolverSettings dns) {
        this.dnsSettings = requireNonNull(dns, "dns");
        this.metrics = requireNonNull(metrics, "metrics");
        this.listeners = List.copyOf(listeners);
        this.installDir = requireNonNull(installDir, "installDir");
        this.clock = requireNonNull(clock, "clock");
        this.scheduler = new ScheduledThreadPoolExecutor(2, new DefaultThreadFactory("tidegate-plugin", true));
        this.scheduler.setRemoveOnCancelPolicy(true);
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
        return metrics;
    }

    @Override
    public System.Logger logger(String name) {
        return System.getLogger(name);
    }

    @Override
    public YamlReader yaml() {
        return yaml;
    }

    @Override
    public synchronized DnsResolver dns() {
        if (dnsResolver == null) {
            dnsLoop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("tidegate-dns", true),
                    NioIoHandler.newFactory());
            dnsResolver = new DnsResolvers(dnsSettings, NioDatagramChannel.class, NioSocketChannel.class)
                    .nameResolver(dnsLoop.next());
        }
        DnsNameResolver resolver = dnsResolver;
        return host -> {
            CompletableFuture<List<InetAddress>> out = new CompletableFuture<>();
            resolver.resolveAll(host).addListener(f -> {
                if (f.isSuccess()) {
                    @SuppressWarnings("unchecked")
                    List<InetAddress> addresses = (List<InetAddress>) f.getNow();
                    out.complete(addresses);
                } else {
                    out.completeExceptionally(f.cause());
                }
            });
            return (CompletionStage<List<InetAddress>>) out;
        };
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
    public synchronized void close() {
        scheduler.shutdownNow();
        if (dnsResolver != null) {
            dnsResolver.close();
            dnsLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
