package io.tidegate.kernel.testing;

import io.tidegate.kernel.config.GatewayConfig;
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
 * The real engine and reconciler with a {@code tcp} listener ({@value #TCP}), a {@code tls-passthrough} one
 * ({@value #TLS}) and an {@code http} one ({@value #WEB}) on loopback port 0, fed by one test source, and
 * optionally a JSON access log file. {@link #publish} waits for the swap.
 */
public final class L4Harness implements AutoCloseable {

    public static final String TCP = "tcp";
    public static final String TLS = "tls";
    public static final String WEB = "web";

    private final MetricsRegistry metrics = new MetricsRegistry();
    private final Reconciler reconciler;
    private final Engine engine;
    private final FragmentSink sink;
    private final BlockingQueue<CompiledConfig> swaps = new LinkedBlockingQueue<>();
    private final AccessLog accessLog;
    private final KernelPluginContext pluginContext;
    private Fragment last;

    private L4Harness(GatewayConfig.L4 l4, Path accessLogFile, Map<String, PolicyFactory> policies,
                      List<GatewayConfig.PluginEntry> globalPolicies) throws java.io.IOException {
        Listener tcp = new Listener(TCP, new SocketAddress("127.0.0.1", 0), ListenerProtocol.TCP,
                ListenerRole.INGRESS, null, List.of());
        Listener tls = new Listener(TLS, new SocketAddress("127.0.0.1", 0), ListenerProtocol.TLS_PASSTHROUGH,
                ListenerRole.INGRESS, null, List.of());
        Listener web = new Listener(WEB, new SocketAddress("127.0.0.1", 0), ListenerProtocol.HTTP,
                ListenerRole.INGRESS, null, List.of());
        List<GatewayConfig.ListenerConfig> listeners = List.of(GatewayConfig.ListenerConfig.layer4(tcp, l4),
                GatewayConfig.ListenerConfig.layer4(tls, l4),
                new GatewayConfig.ListenerConfig(web, Duration.ofSeconds(30), 8192, 16384, 0));
        GatewayConfig.Defaults defaults = EngineHarness.defaults();
        GatewayConfig.AccessLogConfig log = new GatewayConfig.AccessLogConfig(accessLogFile != null,
                accessLogFile == null ? "stdout" : accessLogFile.toString(), "json");
        GatewayConfig config = new GatewayConfig(Path.of("test.yaml"), Path.of("."), listeners,
                new SocketAddress("127.0.0.1", 0), Path.of("plugins"), List.of(), globalPolicies, log,
                new GatewayConfig.EngineConfig(2, "auto"), defaults, Duration.ofMillis(10));
        pluginContext = new KernelPluginContext(metrics, List.of(tcp, tls, web), Path.of("."), Clock.systemUTC());
        PolicyRegistry registry = new PolicyRegistry(policies, pluginContext);
        ConfigCompiler compiler = new ConfigCompiler(config.listeners(), config.policies(), defaults, registry);
        reconciler = new Reconciler(compiler, registry, config.debounce(), Map.of("test", "test"), metrics);
        reconciler.addSwapListener(swaps::add);
        sink = reconciler.sink("test");
        accessLog = new AccessLog(log);
        engine = new Engine(config, reconciler::current, accessLog, metrics);
        reconciler.addSwapListener(engine::onConfigSwap);
    }

    /** With the default L4 settings and no access log. */
    public static L4Harness start() throws Exception {
        return start(GatewayConfig.L4.DEFAULTS, null);
    }

    /** With these L4 settings (both L4 listeners) and, when not null, a JSON access log in that file. */
    public static L4Harness start(GatewayConfig.L4 l4, Path accessLogFile) throws Exception {
        return start(l4, accessLogFile, Map.of(), List.of());
    }

    public static L4Harness start(GatewayConfig.L4 l4, Path accessLogFile, Map<String, PolicyFactory> policies,
                                  List<GatewayConfig.PluginEntry> globalPolicies) throws Exception {
        L4Harness h = new L4Harness(l4, accessLogFile, policies, globalPolicies);
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

    public int port(String listener) {
        return engine.port(listener);
    }

    public Engine engine() {
        return engine;
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
