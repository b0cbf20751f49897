package io.tidegate.kernel.runtime;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.model.PolicyRef;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Owns policy instances across config swaps. Equal bindings (same id, same settings) share one
 * instance, and an instance lives as long as some compiled table binds it: a rate limiter keeps its
 * buckets when an unrelated route changes. An instance the new table no longer binds is retired: it
 * closes {@link #RETIRE_AFTER} later, so that requests routed on the previous table finish their
 * decisions on it (a Redis round trip in flight, a JWKS fetch), and a binding that comes back meanwhile
 * gets it back. At shutdown everything closes at once.
 */
public final class PolicyRegistry {

    private static final System.Logger LOG = System.getLogger(PolicyRegistry.class.getName());

    /** How long a policy no table binds stays open. */
    public static final Duration RETIRE_AFTER = Duration.ofSeconds(10);

    private final Map<String, PolicyFactory> factories;
    private final PluginContext context;
    private final Duration retireAfter;
    private final Map<PolicyRef, Policy> live = new ConcurrentHashMap<>();
    private final Map<PolicyRef, Policy> retiring = new ConcurrentHashMap<>();

    public PolicyRegistry(Map<String, PolicyFactory> factories, PluginContext context) {
        this(factories, context, RETIRE_AFTER);
    }

    PolicyRegistry(Map<String, PolicyFactory> factories, PluginContext context, Duration retireAfter) {
        this.factories = Map.copyOf(factories);
        this.context = requireNonNull(context, "context");
        this.retireAfter = retireAfter;
    }

    /** Ids of the policy plugins that are loaded. */
    public Set<String> ids() {
        return factories.keySet();
    }

    /**
     * The policy for {@code ref}, created (and its settings validated) the first time it is seen.
     *
     * @throws ConfigException when the id is unknown or the settings are invalid
     */
    public Policy get(PolicyRef ref) {
        Policy existing = live.get(ref);
        if (existing != null) {
            return existing;
        }
        Policy candidate = retiring.remove(ref); // bound again before it closed: the same instance, its state intact
        if (candidate == null) {
            PolicyFactory factory = factories.get(ref.id());
            if (factory == null) {
                throw ref.settings().error("unknown policy '" + ref.id() + "' (loaded policy plugins: "
                        + (factories.isEmpty() ? "none" : String.join(", ", factories.keySet())) + ")");
            }
            candidate = factory.create(ref.settings(), context);
        }
        Policy raced = live.putIfAbsent(ref, candidate);
        if (raced != null) {
            close(ref, candidate);
            return raced;
        }
        return candidate;
    }

    /** Retires every policy not bound by {@code inUse}; called after a table swap. */
    public void retainOnly(Set<PolicyRef> inUse) {
        live.entrySet().removeIf(e -> {
            if (inUse.contains(e.getKey())) {
                return false;
            }
            retire(e.getKey(), e.getValue());
            return true;
        });
    }

    private void retire(PolicyRef ref, Policy policy) {
        retiring.put(ref, policy);
        try {
            context.scheduler().schedule(() -> closeIfRetiring(ref, policy), retireAfter.toNanos(),
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            closeIfRetiring(ref, policy);
        }
    }

    /** Closes {@code policy} unless it was bound again (or closed by {@link #closeAll}) meanwhile. */
    private void closeIfRetiring(PolicyRef ref, Policy policy) {
        if (retiring.remove(ref, policy)) {
            close(ref, policy);
        }
    }

    /** Closes everything, retiring policies too (shutdown). */
    public void closeAll() {
        for (Map<PolicyRef, Policy> instances : List.of(live, retiring)) {
            for (Map.Entry<PolicyRef, Policy> e : List.copyOf(instances.entrySet())) {
                if (instances.remove(e.getKey(), e.getValue())) { // not closed by its retirement meanwhile
                    close(e.getKey(), e.getValue());
                }
            }
        }
    }

    private static void close(PolicyRef ref, Policy policy) {
        try {
            policy.close();
        } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "policy " + ref.id() + " failed to close", ex);
        }
    }
}
