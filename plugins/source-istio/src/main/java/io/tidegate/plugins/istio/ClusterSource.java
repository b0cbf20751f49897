package io.tidegate.plugins.istio;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.source.ConfigSource;
import io.tidegate.spi.source.FragmentSink;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The watch loop against an API server, kept thin: fabric8 shared informers on Gateway, VirtualService,
 * DestinationRule and ServiceEntry ({@code networking.istio.io}, version {@code apiVersion}, as generic resources: no typed model
 * is needed, the translator reads the spec as a tree) and on Secrets (for {@code credentialName}). Any
 * change schedules one debounced rebuild that translates the caches' whole content; the first fragment
 * is published once every informer has synced. While the API server cannot be reached the source
 * reports {@code unavailable} and the last fragment stays live.
 */
final class ClusterSource implements ConfigSource {

    static final String GROUP = "networking.istio.io";
    static final String VERSION = "v1";
    static final List<String[]> KINDS = List.of(new String[] {"Gateway", "gateways"},
            new String[] {"VirtualService", "virtualservices"}, new String[] {"DestinationRule", "destinationrules"},
            new String[] {"ServiceEntry", "serviceentries"});

    private final String name;
    private final IstioSettings settings;
    private final Supplier<KubernetesClient> clients;
    private final boolean ownsClient;
    private final ScheduledExecutorService scheduler;
    private final System.Logger log;
    private final IstioTranslator translator;
    private final Consumer<Fragment> afterPublish;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final AtomicBoolean degraded = new AtomicBoolean();
    private final List<SharedIndexInformer<? extends HasMetadata>> informers = new ArrayList<>();
    private final Object lock = new Object();

    private volatile boolean synced;
    private volatile boolean closed;
    private KubernetesClient client;
    private Publisher publisher;
    private Future<?> health;

    ClusterSource(String name, IstioSettings settings, Supplier<KubernetesClient> clients, boolean ownsClient,
                  ScheduledExecutorService scheduler, System.Logger log, IstioTranslator translator,
                  Consumer<Fragment> afterPublish) {
        this.name = requireNonNull(name, "name");
        this.settings = requireNonNull(settings, "settings");
        this.clients = requireNonNull(clients, "clients");
        this.ownsClient = ownsClient;
        this.scheduler = requireNonNull(scheduler, "scheduler");
        this.log = requireNonNull(log, "log");
        this.translator = requireNonNull(translator, "translator");
        this.afterPublish = requireNonNull(afterPublish, "afterPublish");
    }

    static ResourceDefinitionContext context(String kind, String plural) {
        return context(VERSION, kind, plural);
    }

    static ResourceDefinitionContext context(String version, String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup(GROUP).withVersion(version).withKind(kind)
                .withPlural(plural).withNamespaced(true).build();
    }

    @Override
    public synchronized void start(FragmentSink sink) {
        if (publisher != null) {
            throw new IllegalStateException("istio source " + name + " already started");
        }
        publisher = new Publisher(name, translator, sink, log, settings.kubernetesServices());
        client = clients.get();
        List<String> namespaces = settings.namespaces().isEmpty() ? Collections.singletonList(null)
                : settings.namespaces();
        for (String ns : namespaces) {
            for (String[] k : KINDS) {
                var op = client.genericKubernetesResources(context(settings.apiVersion(), k[0], k[1]));
                add(k[0], ns == null ? op.inAnyNamespace() : op.inNamespace(ns));
            }
            add("Secret", ns == null ? client.secrets().inAnyNamespace() : client.secrets().inNamespace(ns));
            if (settings.kubernetesServices()) {
                add("Service", ns == null ? client.services().inAnyNamespace() : client.services().inNamespace(ns));
                var slices = client.discovery().v1().endpointSlices();
                add("EndpointSlice", ns == null ? slices.inAnyNamespace() : slices.inNamespace(ns));
                add("Pod", ns == null ? client.pods().inAnyNamespace() : client.pods().inNamespace(ns));
            }
        }
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (SharedIndexInformer<? extends HasMetadata> informer : informers) {
            starts.add(informer.start().toCompletableFuture());
        }
        CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).whenComplete((ok, error) -> {
            if (error != null) {
                if (!closed) {
                    log.log(Level.ERROR, "istio source " + name + ": informers failed to start", error);
                    publisher.unavailable("informers failed to start: " + error.getMessage());
                }
                return;
            }
            synced = true;
            log.log(Level.INFO, "istio source " + name + ": informers synced");
            schedule(0);
        });
        health = scheduler.scheduleWithFixedDelay(this::checkWatching, 1, 1, TimeUnit.SECONDS);
    }

    private <T extends HasMetadata> void add(String kind, Informable<T> target) {
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
                log.log(Level.WARNING, "istio source " + name + ": " + kind + " informer: " + t.getMessage()
                        + "; keeping the last state, retrying with backoff");
                degraded.set(true);
                publisher.unavailable("API server: " + kind + ": " + t.getMessage());
            }
            return true; // fabric8 retries with backoff (and relists)
        });
        informers.add(informer);
    }

    private void checkWatching() {
        if (!synced || closed) {
            return;
        }
        boolean watching = informers.stream().allMatch(SharedIndexInformer::isWatching);
        if (!watching && degraded.compareAndSet(false, true)) {
            publisher.unavailable("API server: watch lost, reconnecting");
        } else if (watching && degraded.compareAndSet(true, false)) {
            log.log(Level.INFO, "istio source " + name + ": watching again");
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
                afterPublish.accept(publisher.publish(objects, List.of()));
            } catch (RuntimeException e) {
                log.log(Level.ERROR, "istio source " + name + ": rebuild failed", e);
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
        for (SharedIndexInformer<? extends HasMetadata> informer : informers) {
            try {
                informer.stop();
            } catch (RuntimeException e) {
                log.log(Level.DEBUG, "stopping an informer failed", e);
            }
        }
        synchronized (lock) {
            // waits for a rebuild in flight
        }
        if (ownsClient && client != null) {
            client.close();
        }
    }
}
