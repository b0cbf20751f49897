package io.tidegate.kernel.reconcile;

import static java.util.Objects.requireNonNull;

import io.tidegate.kernel.metrics.MetricsRegistry;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.runtime.ConfigCompiler;
import io.tidegate.kernel.runtime.PolicyRegistry;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.plugin.Metrics;
import io.tidegate.spi.source.FragmentSink;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the last fragment of every source and turns them into the live {@link CompiledConfig}.
 *
 * <p>Sources publish from their own threads; everything here runs on one reconciler thread, so the
 * state needs no locks and compiles never overlap. A burst of fragments within the debounce window
 * is compiled once. A fragment equal to the live one is dropped. A fragment that breaks the
 * contract is rejected whole, the source's previous fragment stays live and the reason shows at
 * {@code /sources}. The swap is a single volatile write: a request reads the generation once.
 */
public final class Reconciler implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Reconciler.class.getName());

    private final ConfigCompiler compiler;
    private final PolicyRegistry policies;
    private final Duration debounce;
    private final Map<String, State> states = new LinkedHashMap<>();
    private final ScheduledExecutorService thread;
    private final CountDownLatch allProcessed;
    private final Metrics.Counter swaps;
    private final Metrics.CounterFamily rejections;
    private final Metrics.Counter compileFailures;
    private final Metrics.Counter unchanged;
    private final Metrics.Histogram compileSeconds;

    private volatile CompiledConfig current = CompiledConfig.EMPTY;
    private volatile boolean ready;
    private volatile List<SourceStatus> statuses = List.of();
    private ScheduledFuture<?> scheduled;
    private final List<java.util.function.Consumer<CompiledConfig>> swapListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Runnable> rebuildListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param sources source name to plugin id, in precedence order
     */
    public Reconciler(ConfigCompiler compiler, PolicyRegistry policies, Duration debounce,
                      Map<String, String> sources, MetricsRegistry metrics) {
        this.compiler = requireNonNull(compiler, "compiler");
        this.policies = requireNonNull(policies, "policies");
        this.debounce = requireNonNull(debounce, "debounce");
        sources.forEach((name, plugin) -> states.put(name, new State(name, plugin)));
        this.allProcessed = new CountDownLatch(states.size());
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tidegate-reconciler");
            t.setDaemon(true);
            return t;
        });
        swaps = metrics.counter("tidegate_config_swaps_total", "Routing table generations made live.").labels();
        rejections = metrics.counter("tidegate_config_rejections_total", "Fragments rejected whole, by source.",
                "source");
        states.keySet().forEach(name -> rejections.labels(name)); // every source shows, at 0 until one is rejected
        compileFailures = metrics.counter("tidegate_config_compile_failures_total",
                "Compiles that failed (a compiler bug); the previous generation stayed live.").labels();
        metrics.gauges("tidegate_config_object_errors",
                "Objects of the live configuration left out with an error, by source (GET /sources says which).",
                new String[] {"source"}, this::objectErrors);
        unchanged = metrics.counter("tidegate_config_unchanged_total", "Fragments dropped as equal to the live one.")
                .labels();
        compileSeconds = metrics.histogram("tidegate_config_compile_seconds", "Time to merge, compile and swap.",
                new double[] {0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}).labels();
        metrics.gauge("tidegate_config_version", "The live generation.", () -> current.version());
        if (states.isEmpty()) {
            thread.execute(this::rebuild);
        }
        statuses = snapshot();
    }

    /** The sink a source named {@code source} publishes to. */
    public FragmentSink sink(String source) {
        State state = states.get(source);
        if (state == null) {
            throw new IllegalArgumentException("unknown source " + source);
        }
        return new FragmentSink() {
            @Override
            public void publish(Fragment fragment) {
                requireNonNull(fragment, "fragment");
                thread.execute(() -> onFragment(state, fragment));
            }

            @Override
            public void unavailable(String reason) {
                thread.execute(() -> {
                    state.unavailable = reason;
                    LOG.log(System.Logger.Level.WARNING, "source " + state.name + " unavailable, keeping its last "
                            + "state: " + reason);
                    statuses = snapshot();
                });
            }
        };
    }

    /** Called on the reconciler thread after each swap (tests await swaps with it; it must be quick). */
    public void addSwapListener(java.util.function.Consumer<CompiledConfig> listener) {
        swapListeners.add(requireNonNull(listener, "listener"));
    }

    /** Called on the reconciler thread after every rebuild, whether or not it swapped (tests use it). */
    public void addRebuildListener(Runnable listener) {
        rebuildListeners.add(requireNonNull(listener, "listener"));
    }

    /** The live generation. */
    public CompiledConfig current() {
        return current;
    }

    /** Whether every source's first fragment is live. */
    public boolean ready() {
        return ready;
    }

    public List<SourceStatus> sources() {
        return statuses;
    }

    /**
     * Waits until every source has published once and that has been compiled (the CLI's validate,
     * routes and explain); returns false on timeout.
     */
    public boolean awaitInitial(Duration timeout) throws InterruptedException {
        return allProcessed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void onFragment(State state, Fragment fragment) {
        state.unavailable = null;
        state.pending = fragment;
        if (scheduled == null) {
            scheduled = thread.schedule(this::rebuild, debounce.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void rebuild() {
        scheduled = null;
        long start = System.nanoTime();
        boolean changed = states.isEmpty() && current == CompiledConfig.EMPTY;
        for (State s : states.values()) {
            Fragment candidate = s.pending;
            if (candidate == null) {
                continue;
            }
            s.pending = null;
            s.handledOnce = true;
            if (candidate.equals(s.accepted)) {
                unchanged.increment();
                s.lastError = null; // the source is back to its live state
                continue;
            }
            List<String> violations = ConfigCompiler.contractViolations(candidate);
            if (!violations.isEmpty()) {
                s.lastError = "fragment rejected, previous state kept: " + String.join("; ", violations);
                rejections.labels(s.name).increment();
                LOG.log(System.Logger.Level.WARNING, "source " + s.name + ": " + s.lastError);
                continue;
            }
            s.accepted = candidate;
            s.lastError = null;
            s.version++;
            s.acceptedAt = Instant.now();
            changed = true;
        }
        if (changed) {
            compileAndSwap();
            compileSeconds.observe((System.nanoTime() - start) / 1e9);
        }
        statuses = snapshot();
        for (State s : states.values()) {
            if (s.handledOnce && !s.countedProcessed) {
                s.countedProcessed = true;
                allProcessed.countDown(); // its first fragment is compiled (or rejected): offline runs may read
            }
        }
        rebuildListeners.forEach(Runnable::run);
    }

    private void compileAndSwap() {
        List<ConfigCompiler.SourceFragment> fragments = new ArrayList<>();
        for (State s : states.values()) {
            if (s.accepted != null) {
                fragments.add(new ConfigCompiler.SourceFragment(s.name, s.accepted));
            }
        }
        CompiledConfig previous = current;
        ConfigCompiler.Result result;
        try {
            result = compiler.compile(fragments, previous, previous.version() + 1);
        } catch (RuntimeException e) {
            // A compiler bug must not take the gateway down: keep serving what we have.
            LOG.log(System.Logger.Level.ERROR, "compile failed, keeping generation " + previous.version(), e);
            compileFailures.increment();
            states.values().forEach(s -> s.lastError = "compile failed: " + e);
            return;
        }
        current = result.config();
        swaps.increment();
        for (State s : states.values()) {
            s.kernelDiagnostics = result.diagnostics().getOrDefault(s.name, List.of());
            for (Diagnostic d : s.kernelDiagnostics) {
                if (d.severity() == Diagnostic.Severity.ERROR) {
                    LOG.log(System.Logger.Level.WARNING, d.toString());
                }
            }
        }
        policies.retainOnly(result.policiesInUse());
        if (!ready && states.values().stream().allMatch(s -> s.accepted != null)) {
            ready = true;
            LOG.log(System.Logger.Level.INFO, "first complete configuration is live: generation "
                    + current.version() + ", " + current.routes().size() + " routes, "
                    + current.clusters().size() + " clusters");
        }
        statuses = snapshot();
        swapListeners.forEach(l -> l.accept(current));
    }

    private Map<List<String>, Long> objectErrors() {
        Map<List<String>, Long> out = new LinkedHashMap<>();
        for (SourceStatus status : statuses) {
            out.put(List.of(status.name()), status.diagnostics().stream()
                    .filter(d -> d.severity() == Diagnostic.Severity.ERROR).count());
        }
        return out;
    }

    private List<SourceStatus> snapshot() {
        List<SourceStatus> out = new ArrayList<>();
        for (State s : states.values()) {
            List<Diagnostic> diagnostics = new ArrayList<>();
            if (s.accepted != null) {
                diagnostics.addAll(s.accepted.diagnostics());
            }
            diagnostics.addAll(s.kernelDiagnostics);
            String error = s.unavailable != null ? "unavailable: " + s.unavailable : s.lastError;
            out.add(new SourceStatus(s.name, s.plugin, s.version, s.acceptedAt,
                    s.accepted == null ? 0 : s.accepted.routes().size(),
                    s.accepted == null ? 0 : s.accepted.clusters().size(), error, diagnostics));
        }
        return List.copyOf(out);
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }

    /** Mutable per-source state, touched only by the reconciler thread. */
    private static final class State {
        final String name;
        final String plugin;
        Fragment accepted;
        Fragment pending;
        long version;
        Instant acceptedAt;
        String lastError;
        String unavailable;
        boolean handledOnce;
        boolean countedProcessed;
        List<Diagnostic> kernelDiagnostics = List.of();

        State(String name, String plugin) {
            this.name = name;
            this.plugin = plugin;
        }
    }
}
