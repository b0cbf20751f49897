package io.tidegate.plugins.istio;

import static io.tidegate.plugins.support.kubernetes.InformerSource.scope;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.tidegate.plugins.support.kubernetes.InformerSource;
import io.tidegate.plugins.support.kubernetes.InformerSource.Informers;
import io.tidegate.plugins.support.kubernetes.ObjectTranslator;
import io.tidegate.plugins.support.kubernetes.SourceContext;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.source.ConfigSource;
import io.tidegate.spi.source.FragmentSink;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Against an API server: an {@link InformerSource} on Gateway, VirtualService, DestinationRule and
 * ServiceEntry ({@code networking.istio.io}, version {@code apiVersion}, as generic resources: no typed
 * model is needed, the translator reads the spec as a tree), on Secrets (for {@code credentialName}) and,
 * with {@code kubernetesServices}, on Services, EndpointSlices and Pods.
 */
final class ClusterSource implements ConfigSource {

    static final String GROUP = "networking.istio.io";
    static final String VERSION = "v1";
    static final List<String[]> KINDS = List.of(new String[] {"Gateway", "gateways"},
            new String[] {"VirtualService", "virtualservices"}, new String[] {"DestinationRule", "destinationrules"},
            new String[] {"ServiceEntry", "serviceentries"});

    private final IstioSettings settings;
    private final InformerSource<Fragment> informers;

    ClusterSource(SourceContext source, IstioSettings settings, Supplier<KubernetesClient> clients, boolean ownsClient,
                  ObjectTranslator<Fragment> translator, Consumer<Fragment> afterPublish) {
        this.settings = settings;
        this.informers = new InformerSource<>(source, settings, clients, ownsClient, translator, this::watch,
                afterPublish);
    }

    static ResourceDefinitionContext context(String kind, String plural) {
        return context(VERSION, kind, plural);
    }

    static ResourceDefinitionContext context(String version, String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup(GROUP).withVersion(version).withKind(kind)
                .withPlural(plural).withNamespaced(true).build();
    }

    @Override
    public void start(FragmentSink sink) {
        informers.start(sink);
    }

    private void watch(KubernetesClient client, Informers informers) {
        for (String ns : InformerSource.scopes(settings.namespaces())) {
            for (String[] k : KINDS) {
                informers.add(k[0], scope(client.genericKubernetesResources(context(settings.apiVersion(), k[0], k[1])),
                        ns));
            }
            informers.add("Secret", scope(client.secrets(), ns));
            if (settings.kubernetesServices()) {
                informers.add("Service", scope(client.services(), ns));
                informers.add("EndpointSlice", scope(client.discovery().v1().endpointSlices(), ns));
                informers.add("Pod", scope(client.pods(), ns));
            }
        }
    }

    @Override
    public void close() {
        informers.close();
    }
}
