package io.tidegate.plugins.support.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;

/** fabric8 clients built so that they work inside a plugin class loader. */
public final class KubernetesClients {

    private KubernetesClients() {
    }

    /**
     * A client for the configured cluster. The HTTP client factory is given explicitly: fabric8's
     * ServiceLoader lookup goes through the thread's context class loader, which is the kernel's, not
     * the plugin's.
     */
    public static KubernetesClient forCluster(SourceSettings settings) {
        Config config = settings.kubeconfig() != null
                ? Config.fromKubeconfig(settings.context(), settings.kubeconfig().toFile())
                : Config.autoConfigure(settings.context());
        return new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new JdkHttpClientFactory())
                .build();
    }
}
