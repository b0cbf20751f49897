package io.tidegate.plugins.kubernetes;

import io.tidegate.plugins.support.kubernetes.CommonSettings;
import io.tidegate.plugins.support.kubernetes.SourceSettings;
import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.plugin.PluginContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The settings of a {@code sources: [{id: kubernetes, ...}]} entry, parsed and validated once.
 *
 * @param kubeconfig kubeconfig file; null: in-cluster service account, then {@code KUBECONFIG}/{@code ~/.kube/config}
 * @param context kubeconfig context; null: the current one
 * @param namespaces namespaces watched; empty: all
 * @param ingressClass the IngressClass name this install serves
 * @param controllerName the {@code spec.controller} of IngressClasses this install serves
 * @param watchIngressWithoutClass also serve Ingresses that name no class
 * @param manifests offline mode: directories (or files) of manifests instead of an API server
 * @param publishAddress address written to {@code status.loadBalancer} of served Ingresses; null: none
 * @param publishService {@code namespace/name} of the gateway's own Service whose addresses are published
 *                       (when no publishAddress); null: none
 * @param leaderElection whether replicas elect a leader over a Lease; only the leader writes status and Events
 * @param leaseNamespace namespace of the Lease; default: {@code POD_NAMESPACE}, else {@code default}
 * @param leaseName name of the Lease; default: {@code tidegate-<ingressClass>}
 * @param leaseDuration how long a leader's lease lasts without renewal (renewed at 2/3 of it)
 * @param debounce delay between a change and the publish it causes, so that a burst costs one publish
 * @param events whether receipts are also written as Kubernetes Events
 * @param pollInterval offline mode: the rescan interval (file watches can miss changes)
 * @param gatewayApi also watch Gateway API GatewayClass, Gateway, HTTPRoute and ReferenceGrant (their CRDs must
 *                   be installed) and Namespaces (for allowedRoutes selectors)
 * @param gatewayApiExperimental also watch the experimental channel's TLSRoute and TCPRoute ({@code v1alpha2})
 */
record KubernetesSettings(Path kubeconfig, String context, List<String> namespaces, String ingressClass,
                          String controllerName, boolean watchIngressWithoutClass, List<Path> manifests,
                          String publishAddress, String publishService, boolean leaderElection,
                          String leaseNamespace, String leaseName, Duration leaseDuration, Duration debounce,
                          boolean events, Duration pollInterval, boolean gatewayApi,
                          boolean gatewayApiExperimental) implements SourceSettings {

    static final String DEFAULT_CONTROLLER = "tidegate.io/ingress-controller";
    static final String DEFAULT_CLASS = "tidegate";

    static final String[] KEYS = {"kubeconfig", "context", "namespaces", "ingressClass", "controllerName",
            "watchIngressWithoutClass", "manifests", "publishAddress", "publishService", "leaderElection", "leaseNamespace",
            "leaseName", "leaseDuration", "debounce", "events", "pollInterval", "gatewayApi",
            "gatewayApiExperimental"};

    static KubernetesSettings parse(ConfigNode settings, PluginContext context) throws ConfigException {
        settings.requireOnlyKeys(KEYS);
        Path kubeconfig = CommonSettings.kubeconfig(settings, context);
        String kubeContext = settings.string("context", null);
        List<String> namespaces = settings.find("namespaces").map(ConfigNode::asStringList).orElse(List.of());
        for (int i = 0; i < namespaces.size(); i++) {
            if (!namespaces.get(i).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
                throw settings.get("namespaces").items().get(i).error("'" + namespaces.get(i)
                        + "' is not a namespace name (expected: a DNS label such as shop)");
            }
        }
        String ingressClass = settings.string("ingressClass", DEFAULT_CLASS);
        if (ingressClass.isBlank()) {
            throw settings.get("ingressClass").error("is empty (expected: an IngressClass name such as tidegate)");
        }
        String controller = settings.string("controllerName", DEFAULT_CONTROLLER);
        if (!controller.contains("/")) {
            throw settings.get("controllerName").error("'" + controller
                    + "' (expected: a domain-prefixed path such as tidegate.io/ingress-controller)");
        }
        boolean withoutClass = settings.bool("watchIngressWithoutClass", false);
        List<Path> manifests = CommonSettings.manifests(settings, context, kubeconfig, kubeContext);
        String publishAddress = settings.string("publishAddress", null);
        String publishService = settings.string("publishService", null);
        if (publishService != null && !publishService.matches("[a-z0-9-]+/[a-z0-9.-]+")) {
            throw settings.get("publishService").error("'" + publishService
                    + "' (expected: namespace/name of a Service, e.g. tidegate/tidegate)");
        }
        if (publishService != null && publishAddress != null) {
            throw settings.get("publishService").error("publishAddress and publishService are exclusive");
        }
        boolean leaderElection = settings.bool("leaderElection", true);
        String envNamespace = System.getenv("POD_NAMESPACE");
        String leaseNamespace = settings.string("leaseNamespace",
                envNamespace == null || envNamespace.isBlank() ? "default" : envNamespace);
        String leaseName = settings.string("leaseName", "tidegate-" + ingressClass);
        Duration leaseDuration = settings.duration("leaseDuration", Duration.ofSeconds(15));
        if (leaseDuration.compareTo(Duration.ofSeconds(1)) < 0) {
            throw settings.get("leaseDuration").error(leaseDuration + " (expected: at least 1s)");
        }
        Duration debounce = CommonSettings.debounce(settings);
        boolean events = settings.bool("events", true);
        Duration poll = CommonSettings.pollInterval(settings);
        boolean gatewayApi = settings.bool("gatewayApi", false);
        boolean experimental = settings.bool("gatewayApiExperimental", false);
        if (experimental && settings.find("gatewayApi").isPresent() && !gatewayApi) {
            throw settings.get("gatewayApiExperimental").error("needs gatewayApi (gatewayApi: false turns the "
                    + "Gateway API off)");
        }
        return new KubernetesSettings(kubeconfig, kubeContext, namespaces, ingressClass, controller, withoutClass,
                manifests, publishAddress, publishService, leaderElection, leaseNamespace, leaseName, leaseDuration,
                debounce, events, poll, gatewayApi || experimental, experimental);
    }

    boolean offline() {
        return !manifests.isEmpty();
    }
}
