package io.tidegate.kernel.testing;

import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.ListenerTls;
import io.tidegate.kernel.engine.AccessLog;
import io.tidegate.kernel.engine.Engine;
import io.tidegate.kernel.metrics.MetricsRegistry;
import io.tidegate.kernel.plugin.KernelPluginContext;
import io.tidegate.kernel.reconcile.Reconciler;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.runtime.ConfigCompiler;
import io.tidegate.kernel.runtime.PolicyRegistry;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Listener;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.ListenerRole;
import io.tidegate.spi.model.SocketAddress;
import io.tidegate.spi.policy.PolicyFactory;
import io.tidegate.spi.source.FragmentSink;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The real engine and reconciler with one {@code https} listener ({@value #LISTENER}) on loopback port 0
 * and one plain {@code http} listener ({@value #PLAIN}), fed by one test source. {@link #publish} waits for
 * the swap.
 */
public final class TlsHarness implements AutoCloseable {

    public static final String LISTENER = "websecure";
    public static final String PLAIN = "web";

    private final MetricsRegistry metrics = new MetricsRegistry();
    private final Reconciler reconciler;
    private final Engine engine;
    private final FragmentSink sink;
    private final BlockingQueue<CompiledConfig> swaps = new LinkedBlockingQueue<>();
    private final AccessLog accessLog = AccessLog.disabled();
    private final KernelPluginContext pluginContext;
    private Fragment last;

    private TlsHarness(ListenerTls tls, Map<String, PolicyFactory> policies,
                       List<GatewayConfig.PluginEntry> globalPolicies) {
        Listener secure = new Listener(LISTENER, new SocketAddress("127.0.0.1", 0), ListenerProtocol.HTTPS,
                ListenerRole.INGRESS, null, List.of());
        Listener plain = new Listener(PLAIN, new SocketAddress("127.0.0.1", 0), ListenerProtocol.HTTP,
                ListenerRole.INGRESS, null, List.of());
        List<GatewayConfig.ListenerConfig> listeners = List.of(
                new GatewayConfig.ListenerConfig(secure, Duration.ofSeconds(30), 8192, 16384, 0, tls),
                new GatewayConfig.ListenerConfig(plain, Duration.ofSeconds(30), 8192, 16384, 0));
        GatewayConfig.Defaults defaults = EngineHarness.defaults();
        GatewayConfig config = new GatewayConfig(Path.of("test.yaml"), Path.of("."), listeners,
                new SocketAddress("127.0.0.1", 0), Path.of("plugins"), List.of(), globalPolicies,
                new GatewayConfig.AccessLogConfig(false, "stdout", "default"),
                new GatewayConfig.EngineConfig(2, "auto"), defaults, Duration.ofMillis(10));
        pluginContext = new KernelPluginContext(metrics, List.of(secure, plain), Path.of("."), Clock.systemUTC());
        PolicyRegistry registry = new PolicyRegistry(policies, pluginContext);
        ConfigCompiler compiler = new ConfigCompiler(config.listeners(), config.policies(), defaults, registry);
        reconciler = new Reconciler(compiler, registry, config.debounce(), Map.of("test", "test"), metrics);
        reconciler.addSwapListener(swaps::add);
        sink = reconciler.sink("test");
        engine = new Engine(config, reconciler::current, accessLog, metrics);
    }

    public static TlsHarness start(ListenerTls tls) throws InterruptedException {
        return start(tls, Map.of(), List.of());
    }

    public static TlsHarness start(ListenerTls tls, Map<String, PolicyFactory> policies,
                                   List<GatewayConfig.PluginEntry> globalPolicies) throws InterruptedException {
        TlsHarness h = new TlsHarness(tls, policies, globalPolicies);
        h.engine.start();
        return h;
    }

    /** Publishes a fragment as the test source and waits until it is live. */
    public CompiledConfig publish(Fragment fragment) throws InterruptedException {
        if (fragment.equals(last)) {
            return reconciler.current(); // the reconciler drops an unchanged fragment: no swap to wait for
        }
        last = fragment;
        swaps.clear();
        sink.publish(fragment);
        CompiledConfig live = swaps.poll(5, TimeUnit.SECONDS);
        if (live == null) {
            throw new AssertionError("no config swap within 5s; sources: " + reconciler.sources());
        }
        return live;
    }

    public int port() {
        return engine.port(LISTENER);
    }

    public int plainPort() {
        return engine.port(PLAIN);
    }

    public MetricsRegistry metrics() {
        return metrics;
    }

    public Reconciler reconciler() {
        return reconciler;
    }

    @Override
    public void close() {
        engine.close();
        reconciler.close();
        accessLog.close();
        pluginContext.close();
    }
}
