package io.tidegate.kernel;

import static java.util.Objects.requireNonNull;

import dagger.Lazy;
import io.tidegate.kernel.admin.AdminServer;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.engine.AccessLog;
import io.tidegate.kernel.engine.Engine;
import io.tidegate.kernel.plugin.KernelPluginContext;
import io.tidegate.kernel.plugin.PluginHost;
import io.tidegate.kernel.reconcile.Reconciler;
import io.tidegate.kernel.runtime.PolicyRegistry;
import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.model.PolicyRef;
import io.tidegate.spi.source.ConfigSource;
import io.tidegate.spi.source.ConfigSourceFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The running gateway: creates the configured sources and policies from the loaded plugins, then
 * starts the admin API, the engine and the sources, in that order (so {@code /ready} can say what it
 * waits for). The offline mode runs the sources once for {@code validate}, {@code routes} and
 * {@code explain}, without binding any listener.
 */
public final class Gateway implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Gateway.class.getName());

    private final GatewayConfig config;
    private final PluginHost plugins;
    private final KernelPluginContext context;
    private final PolicyRegistry policies;
    private final Reconciler reconciler;
    private final Lazy<Engine> engine;
    private final Lazy<AdminServer> admin;
    private final AccessLog accessLog;
    private final Lifecycle lifecycle;
    private final List<ConfigSource> sources = new ArrayList<>();
    private boolean engineStarted;
    private boolean adminStarted;

    public Gateway(GatewayConfig config, PluginHost plugins, KernelPluginContext context, PolicyRegistry policies,
                   Reconciler reconciler, Lazy<Engine> engine, Lazy<AdminServer> admin, AccessLog accessLog,
                   Lifecycle lifecycle) {
        this.config = requireNonNull(config, "config");
        this.plugins = requireNonNull(plugins, "plugins");
        this.context = requireNonNull(context, "context");
        this.policies = requireNonNull(policies, "policies");
        this.reconciler = requireNonNull(reconciler, "reconciler");
        this.engine = requireNonNull(engine, "engine");
        this.admin = requireNonNull(admin, "admin");
        this.accessLog = requireNonNull(accessLog, "accessLog");
        this.lifecycle = requireNonNull(lifecycle, "lifecycle");
    }

    /** Starts serving. Fails with a {@link StartupException} or {@link ConfigException} naming the cause. */
    public void start() throws InterruptedException {
        createSourcesAndPolicies();
        admin.get().start();
        adminStarted = true;
        engine.get().start();
        engineStarted = true;
        startSources();
    }

    /**
     * Runs every source until it published once, compiles, and returns whether that happened within
     * {@code timeout}. Nothing is bound.
     */
    public boolean loadOffline(Duration timeout) throws InterruptedException {
        createSourcesAndPolicies();
        startSources();
        return reconciler.awaitInitial(timeout);
    }

    public Reconciler reconciler() {
        return reconciler;
    }

    public Engine engine() {
        return engine.get();
    }

    public AdminServer admin() {
        return admin.get();
    }

    public GatewayConfig config() {
        return config;
    }

    private void createSourcesAndPolicies() {
        for (GatewayConfig.PluginEntry entry : config.sources()) {
            ConfigSourceFactory factory = plugins.sources().get(entry.id());
            if (factory == null) {
                throw new StartupException(config.file() + ": sources: " + plugins.unknownIdMessage("source",
                        entry.id(), plugins.sources().keySet()));
            }
            sources.add(factory.create(entry.name(), entry.settings(), context));
        }
        for (GatewayConfig.PluginEntry entry : config.policies()) {
            if (!plugins.policies().containsKey(entry.id())) {
                throw new StartupException(config.file() + ": policies: " + plugins.unknownIdMessage("policy",
                        entry.id(), plugins.policies().keySet()));
            }
            policies.get(new PolicyRef(entry.id(), entry.settings())); // validates the settings now
        }
    }

    private void startSources() {
        for (int i = 0; i < sources.size(); i++) {
            String name = config.sources().get(i).name();
            sources.get(i).start(reconciler.sink(name));
        }
    }

    /**
     * Graceful stop: {@code /ready} turns 503, listeners stop accepting, requests in flight get up
     * to {@code drain} to finish.
     */
    public void shutdown(Duration drain) {
        lifecycle.startDraining();
        LOG.log(System.Logger.Level.INFO, "stopping; draining for up to " + drain.toMillis() + "ms");
        if (engineStarted) {
            try {
                engine.get().drain(drain);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        close();
    }

    @Override
    public void close() {
        for (ConfigSource source : sources) {
            try {
                source.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "source failed to close", e);
            }
        }
        if (engineStarted) {
            engine.get().close();
        }
        if (adminStarted) {
            admin.get().close();
        }
        reconciler.close();
        policies.closeAll();
        accessLog.close();
        context.close();
        plugins.close();
    }
}
