package io.tidegate.kernel.testing;

import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.TracingConfig;
import io.tidegate.kernel.engine.AccessLog;
import io.tidegate.kernel.engine.Engine;
import io.tidegate.kernel.metrics.MetricsRegistry;
import io.tidegate.kernel.plugin.KernelPluginContext;
import io.tidegate.kernel.reconcile.Reconciler;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.runtime.ConfigCompiler;
import io.tidegate.kernel.runtime.PolicyRegistry;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Listener;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.ListenerRole;
import io.tidegate.spi.model.SocketAddress;
import io.tidegate.spi.policy.PolicyFactory;
import io.tidegate.spi.source.FragmentSink;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The real engine and reconciler in-process, fed by one test source, with one HTTP listener on
 * loopback port 0. {@link #publish} waits for the swap, so tests never sleep for config to apply.
 */
public final class EngineHarness implements AutoCloseable {

    public static final String LISTENER = "web";

    private final MetricsRegistry metrics = new MetricsRegistry();
    private final Reconciler reconciler;
    private final Engine engine;
    private final FragmentSink sink;
    private final BlockingQueue<CompiledConfig> swaps = new LinkedBlockingQueue<>();
    private final HttpClient client;
    private final AccessLog accessLog;
    private final KernelPluginContext pluginContext;

    private EngineHarness(GatewayConfig.Defaults defaults, long maxBodyBytes, Map<String, PolicyFactory> policies,
                          List<GatewayConfig.PluginEntry> globalPolicies) {
        this(defaults, maxBodyBytes, policies, globalPolicies, null);
    }

    private EngineHarness(GatewayConfig.Defaults defaults, long maxBodyBytes, Map<String, PolicyFactory> policies,
                          List<GatewayConfig.PluginEntry> globalPolicies, Egress egress) {
        this(defaults, maxBodyBytes, policies, globalPolicies, egress, Duration.ofSeconds(30),
                GatewayConfig.Http2.DEFAULTS, new GatewayConfig.EngineConfig(2, "auto"));
    }

    private EngineHarness(GatewayConfig.Defaults defaults, long maxBodyBytes, Map<String, PolicyFactory> policies,
                          List<GatewayConfig.PluginEntry> globalPolicies, Egress egress, Duration keepAlive,
                          GatewayConfig.Http2 http2, GatewayConfig.EngineConfig engineConfig) {
        this(defaults, maxBodyBytes, policies, globalPolicies, egress, keepAlive, http2, engineConfig,
                java.util.function.UnaryOperator.identity(), TracingConfig.DISABLED, null);
    }

    private EngineHarness(GatewayConfig.Defaults defaults, long maxBodyBytes, Map<String, PolicyFactory> policies,
                          List<GatewayConfig.PluginEntry> globalPolicies, Egress egress, Duration keepAlive,
                          GatewayConfig.Http2 http2, GatewayConfig.EngineConfig engineConfig,
                          java.util.function.UnaryOperator<GatewayConfig.ListenerConfig> listenerEdit,
                          TracingConfig tracing, GatewayConfig.AccessLogConfig logConfig) {
        Listener listener = new Listener(LISTENER, new SocketAddress("127.0.0.1", 0), ListenerProtocol.HTTP,
                egress != null ? ListenerRole.EGRESS : ListenerRole.INGRESS, null, List.of());
        GatewayConfig.ListenerConfig lc = listenerEdit.apply(new GatewayConfig.ListenerConfig(listener, keepAlive, 8192,
                16384, maxBodyBytes, egress != null, null, http2));
        GatewayConfig config = new GatewayConfig(Path.of("test.yaml"), Path.of("."), List.of(lc),
                new SocketAddress("127.0.0.1", 0), Path.of("plugins"), List.of(), globalPolicies,
                new GatewayConfig.AccessLogConfig(false, "stdout", "default"),
                engineConfig, defaults, Duration.ofMillis(10), tracing);
        pluginContext = new KernelPluginContext(metrics, List.of(listener), Path.of("."), Clock.systemUTC(),
                engineConfig.resolver());
        PolicyRegistry registry = new PolicyRegistry(policies, pluginContext);
        ConfigCompiler compiler = new ConfigCompiler(config.listeners(), config.policies(), defaults, registry);
        reconciler = new Reconciler(compiler, registry, config.debounce(), Map.of("test", "test"), metrics);
        reconciler.addSwapListener(swaps::add);
        sink = reconciler.sink("test");
        accessLog = logConfig != null ? openLog(logConfig)
                : egress == null || egress.accessLogFile() == null ? AccessLog.disabled()
                : openLog(new GatewayConfig.AccessLogConfig(true, egress.accessLogFile().toString(), "json"));
        engine = new Engine(config, reconciler::current, accessLog, metrics, egress == null ? null : egress.dns());
        reconciler.addSwapListener(engine::onConfigSwap);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * An egress listener with {@code forwardProxy: true}.
     *
     * @param dns resolves forward-proxy target names (a test's hosts table); null: the engine's real resolver
     * @param accessLogFile where JSON access log lines go; null: no access log
     */
    public record Egress(io.tidegate.spi.plugin.DnsResolver dns, Path accessLogFile) {
    }

    /** An egress forward-proxy listener ({@link Egress}) with global policies. */
    public static EngineHarness startEgress(GatewayConfig.Defaults defaults, Map<String, PolicyFactory> policies,
                                            List<GatewayConfig.PluginEntry> globalPolicies, Egress egress)
            throws InterruptedException {
        EngineHarness h = new EngineHarness(defaults, 0, policies, globalPolicies, egress);
        h.engine.start();
        return h;
    }

    /** A resolver answering from a fixed table; other names fail as unknown. */
    public static io.tidegate.spi.plugin.DnsResolver hosts(Map<String, String> table) {
        return host -> {
            String ip = table.get(host);
            if (ip == null) {
                return java.util.concurrent.CompletableFuture.failedFuture(
                        new java.net.UnknownHostException(host + " (not in the test's hosts table)"));
            }
            try {
                return java.util.concurrent.CompletableFuture.completedFuture(
                        List.of(java.net.InetAddress.getByName(ip))); // an IP literal: no lookup
            } catch (java.net.UnknownHostException e) {
                return java.util.concurrent.CompletableFuture.failedFuture(e);
            }
        };
    }

    private static AccessLog openLog(GatewayConfig.AccessLogConfig config) {
        try {
            return new AccessLog(config);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The listener with this keep-alive timeout and these HTTP/2 settings. */
    public static EngineHarness start(Duration keepAlive, GatewayConfig.Http2 http2) throws InterruptedException {
        EngineHarness h = new EngineHarness(defaults(), 0, Map.of(), List.of(), null, keepAlive, http2,
                new GatewayConfig.EngineConfig(2, "auto"));
        h.engine.start();
        return h;
    }

    /** With these engine settings ({@code engine:} of tidegate.yaml). */
    public static EngineHarness start(GatewayConfig.EngineConfig engineConfig) throws InterruptedException {
        EngineHarness h = new EngineHarness(defaults(), 0, Map.of(), List.of(), null, Duration.ofSeconds(30),
                GatewayConfig.Http2.DEFAULTS, engineConfig);
        h.engine.start();
        return h;
    }

    /** The {@code web} listener as {@code edit} makes it (e.g. {@code l -> l.withMaxConnections(2)}). */
    public static EngineHarness startWithListener(java.util.function.UnaryOperator<GatewayConfig.ListenerConfig> edit)
            throws InterruptedException {
        EngineHarness h = new EngineHarness(defaults(), 0, Map.of(), List.of(), null, Duration.ofSeconds(30),
                GatewayConfig.Http2.DEFAULTS, new GatewayConfig.EngineConfig(2, "auto"), edit, TracingConfig.DISABLED,
                null);
        h.engine.start();
        return h;
    }

    /**
     * With {@code tracing:} settings and an access log ({@code null}: none), e.g. a JSON file the test reads.
     */
    public static EngineHarness start(TracingConfig tracing, GatewayConfig.AccessLogConfig accessLog)
            throws InterruptedException {
        EngineHarness h = new EngineHarness(defaults(), 0, Map.of(), List.of(), null, Duration.ofSeconds(30),
                GatewayConfig.Http2.DEFAULTS, new GatewayConfig.EngineConfig(2, "auto"),
                java.util.function.UnaryOperator.identity(), tracing,
                accessLog);
        h.engine.start();
        return h;
    }

    public static EngineHarness start() throws InterruptedException {
        return start(defaults(), 0, Map.of());
    }

    public static GatewayConfig.Defaults defaults() {
        return new GatewayConfig.Defaults(Duration.ofSeconds(2), Duration.ZERO, Duration.ofSeconds(30),
                Duration.ofSeconds(30));
    }

    public static EngineHarness start(GatewayConfig.Defaults defaults, long maxBodyBytes,
                                      Map<String, PolicyFactory> policies) throws InterruptedException {
        return start(defaults, maxBodyBytes, policies, List.of());
    }

    /** With global policies (bound to every route and asked on every connection). */
    public static EngineHarness start(GatewayConfig.Defaults defaults, long maxBodyBytes,
                                      Map<String, PolicyFactory> policies,
                                      List<GatewayConfig.PluginEntry> globalPolicies) throws InterruptedException {
        EngineHarness h = new EngineHarness(defaults, maxBodyBytes, policies, globalPolicies);
        h.engine.start();
        return h;
    }

    /** Publishes a fragment as the test source and waits until it is live. */
    public CompiledConfig publish(Fragment fragment) throws InterruptedException {
        swaps.clear();
        sink.publish(fragment);
        CompiledConfig live = swaps.poll(5, TimeUnit.SECONDS);
        if (live == null) {
            throw new AssertionError("no config swap within 5s; sources: " + reconciler.sources());
        }
        return live;
    }

    public Engine engine() {
        return engine;
    }

    public Reconciler reconciler() {
        return reconciler;
    }

    public MetricsRegistry metrics() {
        return metrics;
    }

    public int port() {
        return engine.port(LISTENER);
    }

    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
    }

    public HttpClient client() {
        return client;
    }

    @Override
    public void close() {
        engine.close();
        reconciler.close();
        accessLog.close();
        pluginContext.close();
    }

    /** Settings node helper. */
    public static ConfigNode settings(Map<String, ?> values) {
        return ConfigNode.fromObject(values, "test");
    }
}
