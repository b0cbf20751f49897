package io.tidegate.plugins.consul;

import static java.util.Objects.requireNonNull;

import io.tidegate.plugins.consul.ConsulApi.Instance;
import io.tidegate.plugins.consul.ConsulApi.KvEntry;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.plugin.Metrics;
import io.tidegate.spi.source.ConfigSource;
import io.tidegate.spi.source.FragmentSink;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A running Consul source. One {@link BlockingWatch} follows {@code /v1/catalog/services}; for each
 * service of interest another follows {@code /v1/health/service/<name>}; one more follows the KV prefix
 * when routes are kept there. Each watch runs on its own daemon thread (blocking queries hold a thread
 * for up to {@code wait}); the kernel's shared scheduler only runs the short publish step.
 *
 * <p>Changes are collected for {@code debounce}, then the whole state is translated and published. The
 * first fragment is published once the catalog, the health of every service of interest and the KV
 * prefix have each answered once. A failing query reports {@link FragmentSink#unavailable} and publishes
 * nothing, so the last good state stays live; the watch retries with backoff and, once it answers again,
 * the state is published again (even if unchanged, which clears the report at {@code /sources}).
 */
final class ConsulSource implements ConfigSource {

    private final String name;
    private final ConsulSettings settings;
    private final ConsulApi api;
    private final ScheduledExecutorService scheduler;
    private final System.Logger log;
    private final CatalogTranslator catalogTranslator;
    private final KvRoutes kvRoutes;
    private final Metrics.Counter publishes;
    private final Metrics.Counter failures;
    private final Object publishLock = new Object();

    // Guarded by this.
    private FragmentSink sink;
    private boolean closed;
    private boolean publishPending;
    private Map<String, List<String>> services; // null until the catalog answered
    private final Map<String, BlockingWatch<List<Instance>>> healthWatches = new TreeMap<>();
    private final Map<String, List<Instance>> instances = new TreeMap<>();
    private final Map<String, SortedSet<Integer>> knownPorts = new TreeMap<>();
    private List<KvEntry> kv; // null until the KV prefix answered (or when there is none)
    private final Map<String, String> failing = new LinkedHashMap<>();
    private boolean reportedUnavailable;
    private boolean initialPublished;
    private BlockingWatch<Map<String, List<String>>> catalogWatch;
    private BlockingWatch<List<KvEntry>> kvWatch;

    // Guarded by publishLock.
    private Fragment published;

    ConsulSource(String name, ConsulSettings settings, ConsulApi api, ScheduledExecutorService scheduler,
                 System.Logger log, KvRoutes kvRoutes, Metrics metrics) {
        this.name = requireNonNull(name, "name");
        this.settings = requireNonNull(settings, "settings");
        this.api = requireNonNull(api, "api");
        this.scheduler = requireNonNull(scheduler, "scheduler");
        this.log = requireNonNull(log, "log");
        this.catalogTranslator = new CatalogTranslator(name, settings);
        this.kvRoutes = kvRoutes;
        this.publishes = metrics.counter("tidegate_consul_publishes_total",
                "Fragments the Consul source published", "source").labels(name);
        this.failures = metrics.counter("tidegate_consul_query_failures_total",
                "Consul queries that failed (connection, HTTP status, body)", "source").labels(name);
    }

    @Override
    public synchronized void start(FragmentSink fragmentSink) {
        if (sink != null) {
            throw new IllegalStateException("consul source " + name + " already started");
        }
        sink = requireNonNull(fragmentSink, "fragmentSink");
        catalogWatch = new BlockingWatch<>("catalog services", api::services, new BlockingWatch.Listener<>() {
            @Override
            public void changed(Map<String, List<String>> value) {
                catalogChanged(value);
            }

            @Override
            public void failed(Exception error, int consecutive) {
                ConsulSource.this.failed("catalog services", error, consecutive);
            }
        }, settings).start("tidegate-consul-" + name + "-catalog");
        if (settings.kvPrefix() != null) {
            String prefix = settings.kvPrefix();
            String what = "kv " + prefix;
            kvWatch = new BlockingWatch<>(what, (index, wait) -> api.kv(prefix, index, wait), new BlockingWatch.Listener<>() {
                @Override
                public void changed(List<KvEntry> value) {
                    kvChanged(value);
                }

                @Override
                public void failed(Exception error, int consecutive) {
                    ConsulSource.this.failed(what, error, consecutive);
                }
            }, settings).start("tidegate-consul-" + name + "-kv");
        }
    }

    private synchronized void catalogChanged(Map<String, List<String>> all) {
        if (closed) {
            return;
        }
        Map<String, List<String>> wanted = new TreeMap<>();
        all.forEach((service, tags) -> {
            if (settings.wants(service, tags)) {
                wanted.put(service, List.copyOf(tags));
            }
        });
        for (String gone : new ArrayList<>(healthWatches.keySet())) {
            if (!wanted.containsKey(gone)) {
                healthWatches.remove(gone).close();
                instances.remove(gone);
                knownPorts.remove(gone);
                failing.remove(healthWhat(gone));
            }
        }
        for (String service : wanted.keySet()) {
            if (!healthWatches.containsKey(service)) {
                healthWatches.put(service, startHealthWatch(service));
            }
        }
        services = wanted;
        failing.remove("catalog services");
        schedulePublish();
    }

    private static String healthWhat(String service) {
        return "health of service " + service;
    }

    private BlockingWatch<List<Instance>> startHealthWatch(String service) {
        String what = healthWhat(service);
        boolean passingOnly = !settings.includeWarning();
        java.util.concurrent.atomic.AtomicReference<BlockingWatch<List<Instance>>> self =
                new java.util.concurrent.atomic.AtomicReference<>();
        BlockingWatch<List<Instance>> watch = new BlockingWatch<>(what,
                (index, wait) -> api.health(service, passingOnly, index, wait), new BlockingWatch.Listener<>() {
                    @Override
                    public void changed(List<Instance> value) {
                        healthChanged(service, self.get(), value);
                    }

                    @Override
                    public void failed(Exception error, int consecutive) {
                        synchronized (ConsulSource.this) {
                            if (healthWatches.get(service) != self.get()) {
                                return; // the service left the catalog meanwhile
                            }
                        }
                        ConsulSource.this.failed(what, error, consecutive);
                    }
                }, settings);
        self.set(watch);
        return watch.start("tidegate-consul-" + name + "-health-" + service);
    }

    private synchronized void healthChanged(String service, BlockingWatch<List<Instance>> watch, List<Instance> value) {
        if (closed || healthWatches.get(service) != watch) {
            return; // a watch of a service that left the catalog
        }
        instances.put(service, List.copyOf(value));
        SortedSet<Integer> ports = knownPorts.computeIfAbsent(service, s -> new TreeSet<>());
        value.forEach(i -> ports.add(i.port()));
        failing.remove(healthWhat(service));
        schedulePublish();
    }

    private synchronized void kvChanged(List<KvEntry> value) {
        if (closed) {
            return;
        }
        kv = List.copyOf(value);
        failing.remove("kv " + settings.kvPrefix());
        schedulePublish();
    }

    private void failed(String what, Exception error, int consecutive) {
        failures.increment();
        String reason = describe(error);
        String summary;
        synchronized (this) {
            if (closed) {
                return;
            }
            failing.put(what, reason);
            reportedUnavailable = true;
            summary = unavailableSummary();
        }
        if (consecutive == 1 || consecutive % 10 == 0) {
            log.log(Level.WARNING, "consul source " + name + ": " + what + " failed (" + consecutive
                    + " in a row, retrying with backoff; last good state kept): " + reason);
        }
        sink.unavailable(summary);
    }

    /** Guarded by this. */
    private String unavailableSummary() {
        StringBuilder sb = new StringBuilder("consul ").append(settings.address()).append(": ");
        boolean first = true;
        for (Map.Entry<String, String> e : failing.entrySet()) {
            sb.append(first ? "" : "; ").append(e.getKey()).append(": ").append(e.getValue());
            first = false;
        }
        return sb.append(" (last good state kept, retrying)").toString();
    }

    /** A failure's reason for /sources: the client's message, never a token (it travels in a header). */
    static String describe(Throwable error) {
        Throwable t = error;
        StringBuilder sb = new StringBuilder();
        for (int depth = 0; t != null && depth < 3; depth++, t = t.getCause()) {
            String m = t.getMessage();
            if (m == null || sb.indexOf(m) >= 0) {
                continue;
            }
            sb.append(sb.length() == 0 ? "" : ": ").append(m);
        }
        return sb.length() == 0 ? error.getClass().getSimpleName() : sb.toString();
    }

    /** Guarded by this. */
    private void schedulePublish() {
        if (publishPending || closed) {
            return;
        }
        publishPending = true;
        try {
            scheduler.schedule(this::publish, settings.debounce().toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            publishPending = false; // the kernel is shutting down
        }
    }

    private void publish() {
        synchronized (publishLock) {
            CatalogTranslator.Catalog catalog;
            List<KvEntry> kvNow;
            boolean force;
            FragmentSink target;
            synchronized (this) {
                publishPending = false;
                if (closed || services == null || (settings.kvPrefix() != null && kv == null)
                        || (!initialPublished && !instances.keySet().containsAll(services.keySet()))) {
                    return; // not loaded yet: the first fragment is the whole initial state
                }
                // After the first fragment, a service that just joined the catalog waits for its first
                // health answer alone; it does not hold back changes of the others.
                Map<String, List<String>> loaded = new TreeMap<>(services);
                loaded.keySet().retainAll(instances.keySet());
                Map<String, SortedSet<Integer>> ports = new TreeMap<>();
                knownPorts.forEach((s, p) -> ports.put(s, new TreeSet<>(p)));
                catalog = new CatalogTranslator.Catalog(loaded, new TreeMap<>(instances), ports);
                initialPublished = true;
                kvNow = kv;
                force = reportedUnavailable && failing.isEmpty();
                if (force) {
                    reportedUnavailable = false;
                }
                target = sink;
            }
            Fragment fragment;
            try {
                fragment = translate(catalog, kvNow);
            } catch (RuntimeException e) {
                log.log(Level.ERROR, "consul source " + name + ": translation failed", e);
                target.unavailable("translation failed: " + e);
                return;
            }
            if (!force && fragment.equals(published)) {
                return;
            }
            report(fragment);
            published = fragment;
            publishes.increment();
            target.publish(fragment);
            String stillFailing = null;
            synchronized (this) {
                if (!failing.isEmpty()) {
                    stillFailing = unavailableSummary();
                }
            }
            if (stillFailing != null) {
                target.unavailable(stillFailing);
            }
        }
    }

    private Fragment translate(CatalogTranslator.Catalog catalog, List<KvEntry> kvNow) {
        CatalogTranslator.Result fromCatalog = catalogTranslator.translate(catalog);
        List<Route> routes = new ArrayList<>();
        List<Diagnostic> diagnostics = new ArrayList<>();
        Set<String> routeNames = new HashSet<>();
        if (kvRoutes != null && kvNow != null) {
            KvRoutes.Result fromKv = kvRoutes.translate(kvNow);
            for (Route r : fromKv.routes()) {
                routeNames.add(r.name());
                routes.add(r);
            }
            diagnostics.addAll(fromKv.diagnostics());
        }
        for (Route r : fromCatalog.routes()) {
            if (!routeNames.add(r.name())) {
                diagnostics.add(Diagnostic.error(r.provenance(), "Tags", "route name '" + r.name()
                        + "' is taken by a KV route; the KV route wins, the tag route is left out"));
                continue;
            }
            routes.add(r);
        }
        diagnostics.addAll(fromCatalog.diagnostics());
        List<Cluster> clusters = fromCatalog.clusters();
        return new Fragment(routes, List.of(), clusters, List.of(), diagnostics);
    }

    private void report(Fragment fragment) {
        Set<Diagnostic> before = published == null ? Set.of() : new HashSet<>(published.diagnostics());
        for (Diagnostic d : fragment.diagnostics()) {
            if (!before.contains(d)) {
                log.log(d.severity() == Diagnostic.Severity.ERROR ? Level.WARNING : Level.INFO, d.toString());
            }
        }
        if (published == null || published.clusters().size() != fragment.clusters().size()
                || published.routes().size() != fragment.routes().size()) {
            log.log(Level.INFO, "consul source " + name + ": " + fragment.routes().size() + " routes, "
                    + fragment.clusters().size() + " clusters");
        }
    }

    @Override
    public void close() {
        List<BlockingWatch<?>> watches = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (catalogWatch != null) {
                watches.add(catalogWatch);
            }
            if (kvWatch != null) {
                watches.add(kvWatch);
            }
            watches.addAll(healthWatches.values());
            healthWatches.clear();
        }
        watches.forEach(BlockingWatch::close);
        api.close(); // cancels blocking queries in flight
        synchronized (publishLock) {
            // waits for a publish in flight: nothing is published once close() returns
        }
    }
}
