package io.tidegate.plugins.support.kubernetes;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.plugin.PluginContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Parsing of the keys every Kubernetes-fed source has ({@link SourceSettings}), with the same checks and messages. */
public final class CommonSettings {

    private CommonSettings() {
    }

    /** {@code kubeconfig}, resolved against the install dir; null when absent. */
    public static Path kubeconfig(ConfigNode settings, PluginContext context) {
        return settings.find("kubeconfig").map(n -> context.resolvePath(n.asString())).orElse(null);
    }

    /**
     * {@code manifests} (offline mode): a non-empty list of directories or files, resolved against the install
     * dir; empty when absent. Exclusive with a {@code kubeconfig} or {@code context}.
     */
    public static List<Path> manifests(ConfigNode settings, PluginContext context, Path kubeconfig,
                                       String kubeContext) throws ConfigException {
        List<Path> manifests = settings.find("manifests").map(n -> {
            if (!n.isList() || n.items().isEmpty()) {
                throw n.error("expected: a non-empty list of directories or files");
            }
            return n.asStringList().stream().map(context::resolvePath).toList();
        }).orElse(List.of());
        if (!manifests.isEmpty() && (kubeconfig != null || kubeContext != null)) {
            throw settings.get("manifests").error("manifests (offline mode) and kubeconfig/context are exclusive");
        }
        return manifests;
    }

    /** {@code debounce}: 0s to 10s, default 100ms. */
    public static Duration debounce(ConfigNode settings) throws ConfigException {
        Duration debounce = settings.duration("debounce", Duration.ofMillis(100));
        if (debounce.isNegative() || debounce.compareTo(Duration.ofSeconds(10)) > 0) {
            throw settings.get("debounce").error(debounce + " (expected: 0s to 10s)");
        }
        return debounce;
    }

    /** {@code pollInterval}: at least 100ms, default 2s. */
    public static Duration pollInterval(ConfigNode settings) throws ConfigException {
        Duration poll = settings.duration("pollInterval", Duration.ofSeconds(2));
        if (poll.compareTo(Duration.ofMillis(100)) < 0) {
            throw settings.get("pollInterval").error(poll + " (expected: at least 100ms)");
        }
        return poll;
    }
}
