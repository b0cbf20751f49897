package io.tidegate.plugins.kubernetes;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.tidegate.spi.source.ConfigSource;
import io.tidegate.spi.source.FragmentSink;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The watch loop against an API server, kept thin: fabric8 shared informers on Ingress, IngressClass,
 * Service, EndpointSlice and Secret fill their caches (list, then watch; relist on 410 and after a
 * dropped watch, with backoff); any change schedules one debounced rebuild that translates the caches'
 * whole content. The first fragment is published once every informer has synced. While the API server
 * cannot be reached the source reports {@code unavailable} and the last fragment stays live; once every
 * informer watches again it publishes (which clears the report).
 */
final class ClusterSource implements ConfigSource {

    private final String name;
    private final KubernetesSettings settings;
    private final Supplier<KubernetesClient> clients;
    private final boolean ownsClient;
    private final ScheduledExecutorService scheduler;
    private final System.Logger log;
    private final IngressTranslator translator;
    private final Clock clock;
    private final Consumer<IngressTranslator.Translation> afterPublish;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final AtomicBoolean degraded = new AtomicBoolean();
    private final List<SharedIndexInformer<? extends HasMetadata>> informers = new ArrayList<>();
    private final Object lock = new Object();

    private volatile boolean synced;
    private volatile boolean closed;
    private KubernetesClient client;
    private Publisher publisher;
    private EventRecorder events;
    private ExecutorService eventThread;
    private StatusWriter status;
    private GatewayStatusWriter gatewayStatus;
    private CompletableFuture<?> election;
    private volatile boolean leader;
    private volatile boolean leadershipApplied; // the writes due on taking the lead are queued
    private volatile IngressTranslator.Translation lastTranslation;
    private Future<?> health;

    ClusterSource(String name, KubernetesSettings settings, Supplier<KubernetesClient> clients, boolean ownsClient,
                  ScheduledExecutorService scheduler, System.Logger log, IngressTranslator translator, Clock clock,
                  Consumer<IngressTranslator.Translation> afterPublish) {
        this.name = requireNonNull(name, "name");
        this.settings = requireNonNull(settings, "settings");
        this.clients = requireNonNull(clients, "clients");
        this.ownsClient = ownsClient;
        this.scheduler = requireNonNull(scheduler, "scheduler");
        this.log = requireNonNull(log, "log");
        this.translator = requireNonNull(translator, "translator");
        this.clock = requireNonNull(clock, "clock");
        this.afterPublish = requireNonNull(afterPublish, "afterPublish");
    }

    @Override
    public synchronized void start(FragmentSink sink) {
        if (publisher != null) {
            throw new IllegalStateException("kubernetes source " + name + " already started");
        }
        publisher = new Publisher(name, translator, sink, log);
        client = clients.get();
        eventThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tidegate-kubernetes-writer-" + name);
            t.setDaemon(true);
            return t;
        });
        if (settings.events()) {
            events = new EventRecorder(client, "tidegate", eventThread, clock, log);
        }
        status = new StatusWriter(client, settings.publishAddress(), settings.publishService(), log);
        gatewayStatus = new GatewayStatusWriter(client, settings.controllerName(), clock, log);
        leader = !settings.leaderElection();
        if (settings.leaderElection()) {
            startElection();
        }
        List<String> namespaces = settings.namespaces().isEmpty() ? java.util.Collections.singletonList(null)
                : settings.namespaces();
        for (String ns : namespaces) {
            add(scope(client.network().v1().ingresses(), ns));
            add(scope(client.services(), ns));
            add(scope(client.discovery().v1().endpointSlices(), ns));
            add(scope(client.secrets(), ns));
            if (settings.gatewayApi()) {
                add(scope(client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway.class), ns));
                add(scope(client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute.class), ns));
                add(scope(client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant.class),
                        ns));
            }
            if (settings.gatewayApiExperimental()) {
                add(scope(client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TLSRoute.class), ns));
                add(scope(client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TCPRoute.class), ns));
            }
        }
        add(client.network().v1().ingressClasses());
        if (settings.gatewayApi()) {
            add(client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass.class));
            add(client.namespaces()); // their labels, for allowedRoutes.namespaces.selector
        }
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (SharedIndexInformer<? extends HasMetadata> informer : informers) {
            starts.add(informer.start().toCompletableFuture());
        }
        CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).whenComplete((ok, error) -> {
            if (error != null) {
                if (!closed) {
                    log.log(Level.ERROR, "kubernetes source " + name + ": informers failed to start", error);
                    publisher.unavailable("informers failed to start: " + error.getMessage());
                }
                return;
            }
            synced = true;
            log.log(Level.INFO, "kubernetes source " + name + ": informers synced");
            schedule(0);
        });
        health = scheduler.scheduleWithFixedDelay(this::checkWatching, 1, 1, TimeUnit.SECONDS);
    }

    /** fabric8 leader election over a coordination.k8s.io Lease; the leader writes status and Events. */
    private void startElection() {
        String identity = System.getenv("HOSTNAME");
        if (identity == null || identity.isBlank()) {
            identity = "tidegate-" + java.util.UUID.randomUUID();
        }
        identity = identity + "-" + Integer.toHexString(System.identityHashCode(this));
        String me = identity;
        java.time.Duration lease = settings.leaseDuration();
        election = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(settings.leaseName())
                .withLock(new LeaseLock(settings.leaseNamespace(), settings.leaseName(), identity))
                .withLeaseDuration(lease)
                .withRenewDeadline(lease.multipliedBy(2).dividedBy(3))
                .withRetryPeriod(lease.dividedBy(5))
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(() -> {
                    log.log(Level.INFO, "kubernetes source " + name + ": " + me + " is the leader; writing status");
                    leader = true;
                    IngressTranslator.Translation t = lastTranslation;
                    if (t != null) {
                        write(t);
                    }
                    leadershipApplied = true;
                }, () -> {
                    leader = false;
                    leadershipApplied = false;
                    log.log(Level.INFO, "kubernetes source " + name + ": " + me + " stopped leading");
                }, newLeader -> log.log(Level.DEBUG, "kubernetes source " + name + ": leader is " + newLeader)))
                .build()).build().start();
    }

    /** Waits until every status and Event write queued so far is done (tests). */
    void awaitWrites() throws Exception {
        eventThread.submit(() -> { }).get(10, TimeUnit.SECONDS);
    }

    /** Whether this instance writes status and Events now (tests). */
    boolean leading() {
        return leader && (leadershipApplied || !settings.leaderElection());
    }

    /** Status and Events, by the leader only, on the writer thread (API calls block). */
    private void write(IngressTranslator.Translation t) {
        if (!leader || closed) {
            return;
        }
        if (events != null) {
            events.record(t.served(), t.fragment().diagnostics());
        }
        if (status.enabled() || !t.gatewayStatuses().isEmpty()) {
            try {
                eventThread.execute(() -> {
                    if (leader && !closed) {
                        if (status.enabled()) {
                            status.write(t.served());
                        }
                        gatewayStatus.write(t.gatewayStatuses());
                    }
                });
            } catch (RejectedExecutionException e) {
                // shutting down
            }
        }
    }

    private static <T extends HasMetadata> Informable<T> scope(MixedOperation<T, ?, ?> op, String ns) {
        return ns == null ? op.inAnyNamespace() : op.inNamespace(ns);
    }

    private <T extends HasMetadata> void add(Informable<T> target) {
        SharedIndexInformer<T> informer = target.runnableInformer(0);
        informer.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T obj) {
                changed();
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                changed();
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                changed();
            }
        });
        informer.exceptionHandler((started, t) -> {
            if (!closed) {
                log.log(Level.WARNING, "kubernetes source " + name + ": " + informer.getApiTypeClass().getSimpleName()
                        + " informer: " + t.getMessage() + "; keeping the last state, retrying with backoff");
                degraded.set(true);
                publisher.unavailable("API server: " + informer.getApiTypeClass().getSimpleName() + ": "
                        + t.getMessage());
            }
            return true; // fabric8 retries with backoff (and relists)
        });
        informers.add(informer);
    }

    /** A dropped watch the informer is reconnecting: unavailable; back to watching: publish again. */
    private void checkWatching() {
        if (!synced || closed) {
            return;
        }
        boolean watching = informers.stream().allMatch(SharedIndexInformer::isWatching);
        if (!watching && degraded.compareAndSet(false, true)) {
            publisher.unavailable("API server: watch lost, reconnecting");
        } else if (watching && degraded.compareAndSet(true, false)) {
            log.log(Level.INFO, "kubernetes source " + name + ": watching again");
            schedule(0);
        }
    }

    private void changed() {
        if (synced) {
            schedule(settings.debounce().toNanos());
        }
    }

    private void schedule(long delayNanos) {
        if (closed || !pending.compareAndSet(false, true)) {
            return;
        }
        try {
            scheduler.schedule(() -> {
                pending.set(false);
                rebuild();
            }, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            pending.set(false);
        }
    }

    @SuppressWarnings("unchecked")
    private void rebuild() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            try {
                List<HasMetadata> objects = new ArrayList<>();
                for (SharedIndexInformer<? extends HasMetadata> informer : informers) {
                    objects.addAll(informer.getStore().list());
                }
                IngressTranslator.Translation t = publisher.publish(Snapshot.of(objects, null), List.of());
                lastTranslation = t;
                write(t);
                afterPublish.accept(t);
            } catch (RuntimeException e) {
                log.log(Level.ERROR, "kubernetes source " + name + ": rebuild failed", e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        Future<?> h;
        synchronized (this) {
            h = health;
        }
        if (h != null) {
            h.cancel(false);
        }
        CompletableFuture<?> elector;
        synchronized (this) {
            elector = election;
        }
        if (elector != null) {
            elector.cancel(true); // releases the Lease (releaseOnCancel)
        }
        for (SharedIndexInformer<? extends HasMetadata> informer : informers) {
            try {
                informer.stop();
            } catch (RuntimeException e) {
                log.log(Level.DEBUG, "stopping an informer failed", e);
            }
        }
        if (eventThread != null) {
            eventThread.shutdownNow();
        }
        synchronized (lock) {
            // waits for a rebuild in flight
        }
        if (ownsClient && client != null) {
            client.close();
        }
    }
}
