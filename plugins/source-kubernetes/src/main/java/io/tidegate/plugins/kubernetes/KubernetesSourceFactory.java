package io.tidegate.plugins.kubernetes;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
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
        System.Logger log = context.logger("source-kubernetes");
        if (parsed.offline()) {
            return new ManifestSource(name, parsed, context.scheduler(), log, translator, afterPublish);
        }
        Supplier<KubernetesClient> clients = testClient != null ? () -> testClient : () -> client(parsed);
        return new ClusterSource(name, parsed, clients, testClient == null, context.scheduler(), log, translator,
                context.clock(), afterPublish);
    }

    /**
     * A client for the configured cluster. The HTTP client factory is given explicitly: fabric8's
     * ServiceLoader lookup goes through the thread's context class loader, which is the kernel's, not
     * this plugin's.
     */
    static KubernetesClient client(KubernetesSettings settings) {
        Config config = settings.kubeconfig() != null
                ? Config.fromKubeconfig(settings.context(), settings.kubeconfig().toFile())
                : Config.autoConfigure(settings.context());
        return new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new JdkHttpClientFactory())
                .build();
    }
}
