package io.tidegate.plugins.kubernetes;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.tidegate.plugins.support.kubernetes.InformerSource;
import io.tidegate.plugins.support.kubernetes.InformerSource.Informers;
import io.tidegate.plugins.support.kubernetes.SourceContext;
import io.tidegate.spi.source.ConfigSource;
import io.tidegate.spi.source.FragmentSink;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Against an API server: an {@link InformerSource} on Ingress, IngressClass, Service, EndpointSlice and
 * Secret (and the Gateway API kinds when enabled), plus what only this plugin does with each translation:
 * the elected leader writes Ingress and Gateway API status and Events.
 */
final class ClusterSource implements ConfigSource {

    private final SourceContext source;
    private final KubernetesSettings settings;
    private final Clock clock;
    private final Consumer<IngressTranslator.Translation> afterPublish;
    private final InformerSource<IngressTranslator.Translation> informers;

    private volatile boolean closed;
    private KubernetesClient client;
    private EventRecorder events;
    private ExecutorService eventThread;
    private StatusWriter status;
    private GatewayStatusWriter gatewayStatus;
    private CompletableFuture<?> election;
    private volatile boolean leader;
    private volatile boolean leadershipApplied; // the writes due on taking the lead are queued
    private final Object leadership = new Object(); // notified whenever leading() may have changed
    private volatile IngressTranslator.Translation lastTranslation;

    ClusterSource(SourceContext source, KubernetesSettings settings, Supplier<KubernetesClient> clients,
                  boolean ownsClient, IngressTranslator translator, Clock clock,
                  Consumer<IngressTranslator.Translation> afterPublish) {
        this.source = requireNonNull(source, "source");
        this.settings = requireNonNull(settings, "settings");
        this.clock = requireNonNull(clock, "clock");
        this.afterPublish = requireNonNull(afterPublish, "afterPublish");
        this.informers = new InformerSource<>(source, settings, clients, ownsClient, new IngressObjects(translator),
                this::watch, this::published);
    }

    @Override
    public synchronized void start(FragmentSink sink) {
        informers.start(sink);
    }

    /** Called by the informer source as it starts, with its client: the writers, the election, the informers. */
    private void watch(KubernetesClient client, Informers informers) {
        this.client = client;
        eventThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tidegate-kubernetes-writer-" + source.name());
            t.setDaemon(true);
            return t;
        });
        if (settings.events()) {
            events = new EventRecorder(client, "tidegate", eventThread, clock, source.log());
        }
        status = new StatusWriter(client, settings.publishAddress(), settings.publishService(), source.log());
        gatewayStatus = new GatewayStatusWriter(client, settings.controllerName(), clock, source.log());
        leader = !settings.leaderElection();
        leadershipChanged();
        if (settings.leaderElection()) {
            startElection();
        }
        for (String ns : InformerSource.scopes(settings.namespaces())) {
            informers.add(InformerSource.scope(client.network().v1().ingresses(), ns));
            informers.add(InformerSource.scope(client.services(), ns));
            informers.add(InformerSource.scope(client.discovery().v1().endpointSlices(), ns));
            informers.add(InformerSource.scope(client.secrets(), ns));
            if (settings.gatewayApi()) {
                informers.add(InformerSource.scope(
                        client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway.class), ns));
                informers.add(InformerSource.scope(
                        client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute.class), ns));
                informers.add(InformerSource.scope(
                        client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant.class), ns));
            }
            if (settings.gatewayApiExperimental()) {
                informers.add(InformerSource.scope(
                        client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TLSRoute.class), ns));
                informers.add(InformerSource.scope(
                        client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1alpha2.TCPRoute.class), ns));
            }
        }
        informers.add(client.network().v1().ingressClasses());
        if (settings.gatewayApi()) {
            informers.add(client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass.class));
            informers.add(client.namespaces()); // their labels, for allowedRoutes.namespaces.selector
        }
    }

    /** fabric8 leader election over a coordination.k8s.io Lease; the leader writes status and Events. */
    private void startElection() {
        String identity = System.getenv("HOSTNAME");
        if (identity == null || identity.isBlank()) {
            identity = "tidegate-" + java.util.UUID.randomUUID();
        }
        identity = identity + "-" + Integer.toHexString(System.identityHashCode(this));
        String me = identity;
        String label = source.label();
        System.Logger log = source.log();
        java.time.Duration lease = settings.leaseDuration();
        election = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(settings.leaseName())
                .withLock(new LeaseLock(settings.leaseNamespace(), settings.leaseName(), identity))
                .withLeaseDuration(lease)
                .withRenewDeadline(lease.multipliedBy(2).dividedBy(3))
                .withRetryPeriod(lease.dividedBy(5))
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(() -> {
                    log.log(Level.INFO, label + ": " + me + " is the leader; writing status");
                    leader = true;
                    IngressTranslator.Translation t = lastTranslation;
                    if (t != null) {
                        write(t);
                    }
                    leadershipApplied = true;
                    leadershipChanged();
                }, () -> {
                    leader = false;
                    leadershipApplied = false;
                    leadershipChanged();
                    log.log(Level.INFO, label + ": " + me + " stopped leading");
                }, newLeader -> log.log(Level.DEBUG, label + ": leader is " + newLeader)))
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

    /** Waits at most {@code timeout} until this instance {@link #leading() leads} (tests); whether it does. */
    boolean awaitLeading(java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (leadership) {
            while (!leading()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(leadership, left);
            }
            return true;
        }
    }

    private void leadershipChanged() {
        synchronized (leadership) {
            leadership.notifyAll();
        }
    }

    private void published(IngressTranslator.Translation t) {
        lastTranslation = t;
        write(t);
        afterPublish.accept(t);
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

    @Override
    public void close() {
        closed = true;
        CompletableFuture<?> elector;
        ExecutorService writer;
        synchronized (this) {
            elector = election;
            writer = eventThread;
        }
        if (elector != null) {
            elector.cancel(true); // releases the Lease (releaseOnCancel)
        }
        if (writer != null) {
            writer.shutdownNow();
        }
        informers.close(); // waits for a rebuild in flight, then closes the client it owns
    }
}
