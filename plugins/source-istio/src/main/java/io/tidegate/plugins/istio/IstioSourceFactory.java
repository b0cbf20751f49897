package io.tidegate.plugins.istio;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.tidegate.plugins.support.kubernetes.KubernetesClients;
import io.tidegate.plugins.support.kubernetes.ManifestSource;
import io.tidegate.plugins.support.kubernetes.ObjectTranslator;
import io.tidegate.plugins.support.kubernetes.SourceContext;
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
        ObjectTranslator<Fragment> objects = ObjectTranslator.ofFragments(
                all -> translator.translate(IstioTranslator.Snapshot.of(all, parsed.kubernetesServices())));
        SourceContext source = new SourceContext(id(), name, context.scheduler(), context.logger("source-istio"));
        if (parsed.offline()) {
            return new ManifestSource<>(source, parsed, objects, afterPublish);
        }
        Supplier<KubernetesClient> clients = testClient != null ? () -> testClient
                : () -> KubernetesClients.forCluster(parsed);
        return new ClusterSource(source, parsed, clients, testClient == null, objects, afterPublish);
    }
}
