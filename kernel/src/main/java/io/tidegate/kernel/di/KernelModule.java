package io.tidegate.kernel.di;

import dagger.Lazy;
import dagger.Module;
import dagger.Provides;
import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.Lifecycle;
import io.tidegate.kernel.admin.AdminServer;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.engine.AccessLog;
import io.tidegate.kernel.engine.Engine;
import io.tidegate.kernel.metrics.MetricsRegistry;
import io.tidegate.kernel.plugin.KernelPluginContext;
import io.tidegate.kernel.plugin.PluginHost;
import io.tidegate.kernel.reconcile.Reconciler;
import io.tidegate.kernel.runtime.ConfigCompiler;
import io.tidegate.kernel.runtime.PolicyRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.inject.Singleton;

/** How the kernel's parts are made. Plugins are not in this graph: they get a {@link KernelPluginContext}. */
@Module
public final class KernelModule {

    private KernelModule() {
    }

    @Provides
    @Singleton
    static MetricsRegistry metrics() {
        return new MetricsRegistry();
    }

    @Provides
    @Singleton
    static Lifecycle lifecycle() {
        return new Lifecycle();
    }

    @Provides
    @Singleton
    static PluginHost plugins(GatewayConfig config) {
        PluginHost host = new PluginHost(config.pluginsDir());
        host.load();
        return host;
    }

    @Provides
    @Singleton
    static KernelPluginContext pluginContext(GatewayConfig config, MetricsRegistry metrics) {
        return new KernelPluginContext(metrics, config.spiListeners(), config.installDir(), Clock.systemUTC(),
                config.engine().resolver());
    }

    @Provides
    @Singleton
    static PolicyRegistry policies(PluginHost plugins, KernelPluginContext context) {
        return new PolicyRegistry(plugins.policies(), context);
    }

    @Provides
    @Singleton
    static ConfigCompiler compiler(GatewayConfig config, PolicyRegistry policies) {
        return new ConfigCompiler(config.listeners(), config.policies(), config.defaults(), policies);
    }

    @Provides
    @Singleton
    static Reconciler reconciler(GatewayConfig config, ConfigCompiler compiler, PolicyRegistry policies,
                                 MetricsRegistry metrics) {
        Map<String, String> sources = new LinkedHashMap<>();
        config.sources().forEach(s -> sources.put(s.name(), s.id()));
        return new Reconciler(compiler, policies, config.debounce(), sources, metrics);
    }

    @Provides
    @Singleton
    static AccessLog accessLog(GatewayConfig config) {
        try {
            return new AccessLog(config.accessLog());
        } catch (IOException e) {
            throw new UncheckedIOException("accessLog.target: cannot open " + config.accessLog().target(), e);
        }
    }

    @Provides
    @Singleton
    static Engine engine(GatewayConfig config, Reconciler reconciler, AccessLog accessLog, MetricsRegistry metrics) {
        Engine engine = new Engine(config, reconciler::current, accessLog, metrics);
        reconciler.addSwapListener(engine::onConfigSwap);
        return engine;
    }

    @Provides
    @Singleton
    static AdminServer admin(GatewayConfig config, Reconciler reconciler, MetricsRegistry metrics,
                             Lifecycle lifecycle) {
        return new AdminServer(config.admin(), reconciler, metrics,
                config.listeners().stream().map(GatewayConfig.ListenerConfig::name).toList(), lifecycle::draining);
    }

    @Provides
    @Singleton
    static Gateway gateway(GatewayConfig config, PluginHost plugins, KernelPluginContext context,
                           PolicyRegistry policies, Reconciler reconciler, Lazy<Engine> engine,
                           Lazy<AdminServer> admin, AccessLog accessLog, Lifecycle lifecycle) {
        return new Gateway(config, plugins, context, policies, reconciler, engine, admin, accessLog, lifecycle);
    }
}
