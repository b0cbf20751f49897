package io.tidegate.kernel.runtime;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.model.PolicyRef;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Owns policy instances across config swaps. Equal bindings (same id, same settings) share one
 * instance, and an instance lives as long as some compiled table binds it: a rate limiter keeps its
 * buckets when an unrelated route changes.
 */
public final class PolicyRegistry {

    private static final System.Logger LOG = System.getLogger(PolicyRegistry.class.getName());

    private final Map<String, PolicyFactory> factories;
    private final PluginContext context;
    private final Map<PolicyRef, Policy> live = new ConcurrentHashMap<>();

    public PolicyRegistry(Map<String, PolicyFactory> factories, PluginContext context) {
        this.factories = Map.copyOf(factories);
        this.context = requireNonNull(context, "context");
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
        PolicyFactory factory = factories.get(ref.id());
        if (factory == null) {
            throw ref.settings().error("unknown policy '" + ref.id() + "' (loaded policy plugins: "
                    + (factories.isEmpty() ? "none" : String.join(", ", factories.keySet())) + ")");
        }
        Policy created = factory.create(ref.settings(), context);
        Policy raced = live.putIfAbsent(ref, created);
        if (raced != null) {
            created.close();
            return raced;
        }
        return created;
    }

    /** Closes every policy not bound by {@code inUse}; called after a table swap. */
    public void retainOnly(Set<PolicyRef> inUse) {
        live.entrySet().removeIf(e -> {
            if (inUse.contains(e.getKey())) {
                return false;
            }
            try {
                e.getValue().close();
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "policy " + e.getKey().id() + " failed to close", ex);
            }
            return true;
        });
    }

    /** Closes everything (shutdown). */
    public void closeAll() {
        retainOnly(Set.of());
    }
}
