package io.tidegate.plugins.kubernetes;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.tidegate.plugins.support.kubernetes.KubernetesClients;
import io.tidegate.plugins.support.kubernetes.ManifestSource;
import io.tidegate.plugins.support.kubernetes.SourceContext;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.source.ConfigSource;
import io.tidegate.spi.source.ConfigSourceFactory;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.pf4j.Extension;

/**
 * The {@code kubernetes} config source: Ingress (with ingress-nginx annotations), IngressClass,
 * Service, EndpointSlice and Secret, from an API server or, offline, from manifest files. See
 * {@code docs/source-kubernetes.md}.
 *
 * <pre>
 * sources:
 *   - id: kubernetes
 *     ingressClass: tidegate
 * </pre>
 */
@Extension
public final class KubernetesSourceFactory implements ConfigSourceFactory {

    @Override
    public String id() {
        return "kubernetes";
    }

    @Override
    public ConfigSource create(String name, ConfigNode settings, PluginContext context) {
        return create(name, settings, context, null, t -> { });
    }

    /**
     * As {@link #create(String, ConfigNode, PluginContext)}; tests pass the mock server's client and await
     * publishes with {@code afterPublish}.
     */
    ConfigSource create(String name, ConfigNode settings, PluginContext context, KubernetesClient testClient,
                        Consumer<IngressTranslator.Translation> afterPublish) {
        requireNonNull(name, "name");
        KubernetesSettings parsed = KubernetesSettings.parse(settings, context);
        IngressTranslator translator = new IngressTranslator(name, parsed.ingressClass(), parsed.controllerName(),
                parsed.watchIngressWithoutClass(), context.listeners());
        SourceContext source = new SourceContext(id(), name, context.scheduler(), context.logger("source-kubernetes"));
        if (parsed.offline()) {
            return new ManifestSource<>(source, parsed, new IngressObjects(translator), afterPublish);
        }
        Supplier<KubernetesClient> clients = testClient != null ? () -> testClient
                : () -> KubernetesClients.forCluster(parsed);
        return new ClusterSource(source, parsed, clients, testClient == null, translator, context.clock(),
                afterPublish);
    }
}
