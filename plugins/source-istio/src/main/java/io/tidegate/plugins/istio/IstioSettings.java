package io.tidegate.plugins.istio;

import io.tidegate.plugins.support.kubernetes.CommonSettings;
import io.tidegate.plugins.support.kubernetes.SourceSettings;
import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.plugin.PluginContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The settings of a {@code sources: [{id: istio, ...}]} entry, parsed and validated once.
 *
 * @param kubeconfig kubeconfig file; null: in-cluster service account, then {@code KUBECONFIG}/{@code ~/.kube/config}
 * @param context kubeconfig context; null: the current one
 * @param namespaces namespaces watched; empty: all
 * @param manifests offline mode: directories (or files) of manifests instead of an API server
 * @param gatewayLabels the labels of this Tidegate, matched by Gateway {@code spec.selector}
 * @param listenerPorts Gateway server port number to listener names (else: listeners bound to that port)
 * @param selfHosts service hosts that are this gateway: mesh rules sending there are the implicit hop
 * @param debounce delay between a change and the publish it causes
 * @param pollInterval offline mode: the rescan interval
 * @param apiVersion the networking.istio.io version watched on an API server: v1 (Istio 1.22+), v1beta1, v1alpha3
 * @param kubernetesServices also read Services, EndpointSlices and Pods and publish clusters for the Services
 *                           VirtualServices and DestinationRules name (with pod labels, for subsets)
 * @param gatewayNamespace the namespace this gateway stands in, for {@code exportTo}
 */
record IstioSettings(Path kubeconfig, String context, List<String> namespaces, List<Path> manifests,
                     Map<String, String> gatewayLabels, Map<Integer, List<String>> listenerPorts,
                     Set<String> selfHosts, Duration debounce, Duration pollInterval, String apiVersion,
                     boolean kubernetesServices, String gatewayNamespace) implements SourceSettings {

    static final String[] KEYS = {"kubeconfig", "context", "namespaces", "manifests", "gatewayLabels",
            "listenerPorts", "selfHosts", "debounce", "pollInterval", "apiVersion", "kubernetesServices", "gatewayNamespace"};

    /** Where Istio installs its gateways. */
    static final String DEFAULT_NAMESPACE = "istio-system";
    static final Map<String, String> DEFAULT_LABELS = Map.of("istio", "ingressgateway");
    static final Set<String> DEFAULT_SELF = Set.of("istio-ingressgateway.istio-system.svc.cluster.local",
            "istio-egressgateway.istio-system.svc.cluster.local");

    static IstioSettings parse(ConfigNode settings, PluginContext context) throws ConfigException {
        settings.requireOnlyKeys(KEYS);
        Path kubeconfig = CommonSettings.kubeconfig(settings, context);
        String kubeContext = settings.string("context", null);
        List<String> namespaces = settings.find("namespaces").map(ConfigNode::asStringList).orElse(List.of());
        List<Path> manifests = CommonSettings.manifests(settings, context, kubeconfig, kubeContext);
        Map<String, String> labels = settings.find("gatewayLabels").map(ConfigNode::asStringMap)
                .orElse(DEFAULT_LABELS);
        Map<Integer, List<String>> ports = new LinkedHashMap<>();
        if (settings.has("listenerPorts")) {
            ConfigNode lp = settings.get("listenerPorts");
            for (String e : lp.keys()) {
                int port;
                try {
                    port = Integer.parseInt(e);
                } catch (NumberFormatException x) {
                    throw lp.error("key '" + e + "' is not a port number (expected: e.g. 80: web)");
                }
                if (port < 1 || port > 65535) {
                    throw lp.error("port " + port + " (expected: 1 to 65535)");
                }
                List<String> names = lp.get(e).asStringList();
                for (String n : names) {
                    if (context.listeners().stream().noneMatch(l -> l.name().equals(n))) {
                        throw lp.get(e).error("no listener named '" + n + "' in tidegate.yaml");
                    }
                }
                ports.put(port, new ArrayList<>(names));
            }
        }
        Set<String> self = settings.find("selfHosts").map(n -> Set.copyOf(n.asStringList())).orElse(DEFAULT_SELF);
        Duration debounce = CommonSettings.debounce(settings);
        Duration poll = CommonSettings.pollInterval(settings);
        String version = settings.string("apiVersion", "v1");
        if (!Set.of("v1", "v1beta1", "v1alpha3").contains(version)) {
            throw settings.get("apiVersion").error("'" + version + "' (expected one of: v1, v1beta1, v1alpha3)");
        }
        String gatewayNamespace = settings.string("gatewayNamespace", DEFAULT_NAMESPACE);
        if (!gatewayNamespace.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
            throw settings.get("gatewayNamespace").error("'" + gatewayNamespace
                    + "' (expected: a namespace name, lower-case letters, digits and '-')");
        }
        return new IstioSettings(kubeconfig, kubeContext, namespaces, manifests, labels, ports, self, debounce, poll,
                version, settings.bool("kubernetesServices", false), gatewayNamespace);
    }

    boolean offline() {
        return !manifests.isEmpty();
    }
}
