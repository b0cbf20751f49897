package io.tidegate.plugins.support.kubernetes;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.tidegate.spi.source.ConfigSource;
import io.tidegate.spi.source.FragmentSink;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The watch loop against an API server, kept thin: fabric8 shared informers (which ones: the plugin's
 * {@link Watches}) fill their caches (list, then watch; relist on 410 and after a dropped watch, with
 * backoff); any change schedules one debounced rebuild that translates the caches' whole content. The
 * first fragment is published once every informer has synced. While the API server cannot be reached
 * the source reports {@code unavailable} and the last fragment stays live; once every informer watches
 * again it publishes (which clears the report).
 *
 * @param <T> what the plugin's translator returns
 */
public final class InformerSource<T> implements ConfigSource {

    /** What a plugin watches: it registers its informers, once, when the source starts. */
    @FunctionalInterface
    public interface Watches {

        /**
         * Registers the informers to run on {@code client}; may also start what else the plugin runs
         * against the cluster (a leader election). Called once, from {@link ConfigSource#start}.
         */
        void register(KubernetesClient client, Informers informers);
    }

    /** Where {@link Watches} registers its informers. */
    public interface Informers {

        /** Watches {@code target}; failures are reported with its class's simple name. */
        <R extends HasMetadata> void add(Informable<R> target);

        /** Watches {@code target}; failures are reported as {@code kind} (generic resources have no class). */
        <R extends HasMetadata> void add(String kind, Informable<R> target);
    }

    private final SourceContext source;
    private final SourceSettings settings;
    private final Supplier<KubernetesClient> clients;
    private final boolean ownsClient;
    private final ObjectTranslator<T> translator;
    private final Watches watches;
    private final Consumer<T> afterPublish;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final AtomicBoolean degraded = new AtomicBoolean();
    private final List<SharedIndexInformer<? extends HasMetadata>> informers = new ArrayList<>();
    private final Object lock = new Object();

    private volatile boolean synced;
    private volatile boolean closed;
    private KubernetesClient client;
    private FragmentPublisher<T> publisher;
    private Future<?> health;

    /**
     * @param clients makes the client when the source starts
     * @param ownsClient whether {@link #close} closes that client (tests lend theirs)
     * @param afterPublish told each translation, published or not, on the scheduler
     */
    public InformerSource(SourceContext source, SourceSettings settings, Supplier<KubernetesClient> clients,
                          boolean ownsClient, ObjectTranslator<T> translator, Watches watches,
                          Consumer<T> afterPublish) {
        this.source = requireNonNull(source, "source");
        this.settings = requireNonNull(settings, "settings");
        this.clients = requireNonNull(clients, "clients");
        this.ownsClient = ownsClient;
        this.translator = requireNonNull(translator, "translator");
        this.watches = requireNonNull(watches, "watches");
        this.afterPublish = requireNonNull(afterPublish, "afterPublish");
    }

    /** The namespaces to scope informers to: each configured one, or {@code null} (all) when none is. */
    public static List<String> scopes(List<String> namespaces) {
        return namespaces.isEmpty() ? Collections.singletonList(null) : namespaces;
    }

    /** {@code op} in namespace {@code ns}, or in all of them when {@code ns} is null. */
    public static <R extends HasMetadata> Informable<R> scope(MixedOperation<R, ?, ?> op, String ns) {
        return ns == null ? op.inAnyNamespace() : op.inNamespace(ns);
    }

    @Override
    public synchronized void start(FragmentSink sink) {
        if (publisher != null) {
            throw new IllegalStateException(source.label() + " already started");
        }
        publisher = new FragmentPublisher<>(source, translator, sink);
        client = clients.get();
        watches.register(client, new Informers() {
            @Override
            public <R extends HasMetadata> void add(Informable<R> target) {
                InformerSource.this.add(null, target);
            }

            @Override
            public <R extends HasMetadata> void add(String kind, Informable<R> target) {
                InformerSource.this.add(requireNonNull(kind, "kind"), target);
            }
        });
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (SharedIndexInformer<? extends HasMetadata> informer : informers) {
            starts.add(informer.start().toCompletableFuture());
        }
        CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).whenComplete((ok, error) -> {
            if (error != null) {
                if (!closed) {
                    source.log().log(Level.ERROR, source.label() + ": informers failed to start", error);
                    publisher.unavailable("informers failed to start: " + error.getMessage());
                }
                return;
            }
            synced = true;
            source.log().log(Level.INFO, source.label() + ": informers synced");
            schedule(0);
        });
        health = source.scheduler().scheduleWithFixedDelay(this::checkWatching, 1, 1, TimeUnit.SECONDS);
    }

    private <R extends HasMetadata> void add(String kind, Informable<R> target) {
        SharedIndexInformer<R> informer = target.runnableInformer(0);
        informer.addEventHandler(new ResourceEventHandler<R>() {
            @Override
            public void onAdd(R obj) {
                changed();
            }

            @Override
            public void onUpdate(R oldObj, R newObj) {
                changed();
            }

            @Override
            public void onDelete(R obj, boolean deletedFinalStateUnknown) {
                changed();
            }
        });
        informer.exceptionHandler((started, t) -> {
            if (!closed) {
                String what = kind != null ? kind : informer.getApiTypeClass().getSimpleName();
                source.log().log(Level.WARNING, source.label() + ": " + what + " informer: " + t.getMessage()
                        + "; keeping the last state, retrying with backoff");
                degraded.set(true);
                publisher.unavailable("API server: " + what + ": " + t.getMessage());
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
            source.log().log(Level.INFO, source.label() + ": watching again");
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
            source.scheduler().schedule(() -> {
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
                source.log().log(Level.ERROR, source.label() + ": rebuild failed", e);
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
                source.log().log(Level.DEBUG, "stopping an informer failed", e);
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
