package io.tidegate.plugins.istio;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.source.ConfigSource;
import io.tidegate.spi.source.ConfigSourceFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.pf4j.Extension;

/**
 * The {@code istio} config source: Istio's Gateway, VirtualService, DestinationRule and ServiceEntry
 * ({@code networking.istio.io} v1, v1beta1, v1alpha3), from an API server or, offline, from manifest
 * files. See {@code docs/source-istio.md}.
 *
 * <pre>
 * sources:
 *   - id: istio
 *     gatewayLabels: {istio: ingressgateway}
 *     listenerPorts: {80: web, 443: websecure}
 * </pre>
 */
@Extension
public final class IstioSourceFactory implements ConfigSourceFactory {

    @Override
    public String id() {
        return "istio";
    }

    @Override
    public ConfigSource create(String name, ConfigNode settings, PluginContext context) {
        return create(name, settings, context, null, f -> { });
    }

    /** As {@link #create(String, ConfigNode, PluginContext)}; tests pass the mock server's client. */
    ConfigSource create(String name, ConfigNode settings, PluginContext context, KubernetesClient testClient,
                        Consumer<Fragment> afterPublish) {
        requireNonNull(name, "name");
        IstioSettings parsed = IstioSettings.parse(settings, context);
        IstioTranslator translator = new IstioTranslator(name, parsed.gatewayLabels(), context.listeners(),
                parsed.listenerPorts(), parsed.selfHosts(), parsed.gatewayNamespace(), path -> {
                    try {
                        return Files.readString(context.resolvePath(path), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
        System.Logger log = context.logger("source-istio");
        if (parsed.offline()) {
            return new ManifestSource(name, parsed, context.scheduler(), log, translator, afterPublish);
        }
        Supplier<KubernetesClient> clients = testClient != null ? () -> testClient : () -> client(parsed);
        return new ClusterSource(name, parsed, clients, testClient == null, context.scheduler(), log, translator,
                afterPublish);
    }

    /**
     * A client for the configured cluster. The HTTP client factory is given explicitly: fabric8's
     * ServiceLoader lookup goes through the thread's context class loader, which is the kernel's.
     */
    static KubernetesClient client(IstioSettings settings) {
        Config config = settings.kubeconfig() != null
                ? Config.fromKubeconfig(settings.context(), settings.kubeconfig().toFile())
                : Config.autoConfigure(settings.context());
        return new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new JdkHttpClientFactory())
                .build();
    }
}
