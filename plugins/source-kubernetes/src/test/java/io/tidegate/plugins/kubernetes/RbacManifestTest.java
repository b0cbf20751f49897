package io.tidegate.plugins.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.tidegate.plugins.support.kubernetes.ManifestReader;
import io.tidegate.plugins.support.kubernetes.testing.MockApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped manifests ({@code distribution/kubernetes/}) against what the plugin really does: the
 * source runs against fabric8's mock API server (standing for a real API server) with everything on
 * (informers, Events, status from publishService, leader election), every call it makes is recorded, and
 * each must be allowed by the ClusterRole (or, for the Lease, the Role in the gateway's namespace).
 */
class RbacManifestTest {

    static final Path MANIFESTS = Path.of("../../distribution/kubernetes");

    private MockApiServer api;
    private KubernetesMockServer server;
    private KubernetesClient client;

    @TempDir
    Path home;

    @BeforeEach
    void apiServer() {
        api = MockApiServer.crud();
        server = api.server();
        client = api.client();
    }

    @AfterEach
    void stopApiServer() {
        if (api != null) {
            api.close();
        }
    }

    /** One API call as RBAC sees it. */
    record Access(String group, String resource, String verb, String namespace) {
        @Override
        public String toString() {
            return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource
                    + (namespace == null ? "" : " in " + namespace);
        }
    }

    static Access access(String method, String fullPath) {
        int q = fullPath.indexOf('?');
        String path = q < 0 ? fullPath : fullPath.substring(0, q);
        boolean watch = q >= 0 && fullPath.substring(q).contains("watch=true");
        List<String> parts = new ArrayList<>(List.of(path.substring(1).split("/")));
        String group;
        if (parts.get(0).equals("api")) {
            group = "";
            parts = parts.subList(2, parts.size());
        } else {
            group = parts.get(1);
            parts = parts.subList(3, parts.size());
        }
        String namespace = null;
        if (parts.size() >= 2 && parts.get(0).equals("namespaces") && parts.size() > 2) {
            namespace = parts.get(1);
            parts = parts.subList(2, parts.size());
        }
        String resource = parts.get(0) + (parts.size() > 2 ? "/" + parts.get(2) : "");
        boolean named = parts.size() > 1;
        String verb = switch (method) {
            case "GET" -> watch ? "watch" : named ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> method.toLowerCase();
        };
        return new Access(group, resource, verb, namespace);
    }

    static boolean allows(List<PolicyRule> rules, Access a) {
        for (PolicyRule r : rules) {
            if (r.getApiGroups().contains(a.group()) && r.getResources().contains(a.resource())
                    && (r.getVerbs().contains(a.verb()) || r.getVerbs().contains("*"))) {
                return true;
            }
        }
        return false;
    }

    static List<HasMetadata> manifests() throws Exception {
        List<HasMetadata> all = new ArrayList<>();
        try (var files = Files.list(MANIFESTS)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml") && !p.endsWith("kustomization.yaml"))
                    .sorted().toList()) {
                all.addAll(ManifestReader.read(f));
            }
        }
        return all;
    }

    @Test
    void theClusterRoleCoversEveryCallThePluginMakesAndNoMore() throws Exception {
        List<HasMetadata> objects = manifests();
        List<PolicyRule> clusterRules = new ArrayList<>();
        List<PolicyRule> namespaceRules = new ArrayList<>();
        for (HasMetadata o : objects) {
            if (o instanceof ClusterRole cr) {
                clusterRules.addAll(cr.getRules());
            } else if (o instanceof Role r) {
                assertThat(r.getMetadata().getNamespace()).isEqualTo("tidegate");
                namespaceRules.addAll(r.getRules());
            }
        }
        assertThat(clusterRules).isNotEmpty();

        // Everything on: informers, an annotation receipt (Event), status from the gateway's Service, a Lease.
        Service own = new ServiceBuilder().withNewMetadata().withName("tidegate").withNamespace("tidegate")
                .endMetadata().withNewSpec().withType("LoadBalancer").addNewPort().withPort(80).endPort().endSpec()
                .withNewStatus().withNewLoadBalancer().withIngress(new LoadBalancerIngressBuilder()
                        .withIp("198.51.100.4").build()).endLoadBalancer().endStatus().build();
        client.services().inNamespace("tidegate").resource(own).create();
        client.services().inNamespace("shop").resource(InformerCrudTest.service()).create();
        client.network().v1().ingresses().inNamespace("shop").resource(InformerCrudTest.ingress("/", Map.of(
                "nginx.ingress.kubernetes.io/proxy-body-size", "1m"))).create();
        for (HasMetadata o : ManifestReader.parse("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: GatewayClass
                metadata: {name: tidegate}
                spec: {controllerName: tidegate.io/ingress-controller}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: edge, namespace: shop}
                spec:
                  gatewayClassName: tidegate
                  listeners:
                    - {name: web, protocol: HTTP, port: 80}
                    - {name: tls, protocol: TLS, port: 443, tls: {mode: Passthrough}}
                    - {name: db, protocol: TCP, port: 5432}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: store, namespace: shop}
                spec:
                  parentRefs: [{name: edge}]
                  rules: [{backendRefs: [{name: web, port: 80}]}]
                ---
                apiVersion: gateway.networking.k8s.io/v1alpha2
                kind: TLSRoute
                metadata: {name: secure-store, namespace: shop}
                spec:
                  parentRefs: [{name: edge, sectionName: tls}]
                  hostnames: [store.example.com]
                  rules: [{backendRefs: [{name: web, port: 80}]}]
                ---
                apiVersion: gateway.networking.k8s.io/v1alpha2
                kind: TCPRoute
                metadata: {name: db, namespace: shop}
                spec:
                  parentRefs: [{name: edge, sectionName: db}]
                  rules: [{backendRefs: [{name: web, port: 80}]}]
                ---
                apiVersion: gateway.networking.k8s.io/v1beta1
                kind: ReferenceGrant
                metadata: {name: nothing, namespace: shop}
                spec:
                  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: other}]
                  to: [{group: "", kind: Service}]
                """)) {
            client.resource(o).create();
        }
        while (server.takeRequest(10, TimeUnit.MILLISECONDS) != null) {
            // the test's own calls are not the plugin's
        }

        BlockingQueue<IngressTranslator.Translation> published = new LinkedBlockingQueue<>();
        try (TestContext context = new TestContext(home)) {
            ClusterSource source = (ClusterSource) new KubernetesSourceFactory().create("kubernetes",
                    TestContext.settings("debounce: 10ms\npublishService: tidegate/tidegate\n"
                            + "leaseNamespace: tidegate\nleaseDuration: 1500ms\ngatewayApi: true\n"
                            + "gatewayApiExperimental: true"), context, client,
                    published::add);
            source.start(new RecordingSink());
            assertThat(published.poll(10, TimeUnit.SECONDS)).as("first publish").isNotNull();
            assertThat(source.awaitLeading(Duration.ofSeconds(10))).as("leading within 10s").isTrue();
            source.awaitWrites();
            source.close();
        }
        // The client's watches close now, so that every request the plugin made is recorded before they are read
        // (and none is open when the mock API server stops).
        client.close();

        TreeSet<String> denied = new TreeSet<>();
        TreeSet<String> made = new TreeSet<>();
        RecordedRequest r;
        while ((r = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
            Access a = access(r.getMethod(), r.getPath());
            made.add(a.toString());
            boolean ok = allows(clusterRules, a)
                    || ("tidegate".equals(a.namespace()) && allows(namespaceRules, a));
            if (!ok) {
                denied.add(a.toString());
            }
        }
        assertThat(made).as("calls the plugin made").contains("list networking.k8s.io/ingresses",
                "watch networking.k8s.io/ingresses", "watch discovery.k8s.io/endpointslices",
                "watch core/secrets", "watch core/services", "watch networking.k8s.io/ingressclasses",
                "create core/events in shop", "update networking.k8s.io/ingresses/status in shop",
                "get core/services in tidegate", "update gateway.networking.k8s.io/httproutes/status in shop",
                "update gateway.networking.k8s.io/gatewayclasses/status",
                "update gateway.networking.k8s.io/tlsroutes/status in shop",
                "update gateway.networking.k8s.io/tcproutes/status in shop",
                "watch gateway.networking.k8s.io/referencegrants", "watch core/namespaces");
        assertThat(made).anyMatch(s -> s.contains("coordination.k8s.io/leases in tidegate"));
        assertThat(denied).as("calls the shipped RBAC would deny").isEmpty();

        // And no more: every verb granted is one the plugin uses.
        TreeSet<String> unused = new TreeSet<>();
        for (List<PolicyRule> rules : List.of(clusterRules, namespaceRules)) {
            for (PolicyRule rule : rules) {
                for (String group : rule.getApiGroups()) {
                    for (String resource : rule.getResources()) {
                        for (String verb : rule.getVerbs()) {
                            String g = group.isEmpty() ? "core" : group;
                            if (made.stream().noneMatch(m -> m.equals(verb + " " + g + "/" + resource)
                                    || m.startsWith(verb + " " + g + "/" + resource + " in "))) {
                                unused.add(verb + " " + g + "/" + resource);
                            }
                        }
                    }
                }
            }
        }
        assertThat(unused).as("granted but never used").isEmpty();
    }

    @Test
    void theDeploymentRunsTwoHardenedReplicasWithProbes() throws Exception {
        Deployment d = manifests().stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
                .findFirst().orElseThrow();
        assertThat(d.getSpec().getReplicas()).isEqualTo(2);
        var pod = d.getSpec().getTemplate().getSpec();
        assertThat(pod.getServiceAccountName()).isEqualTo("tidegate");
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        var c = pod.getContainers().get(0);
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/ready");
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/live");
        assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(c.getResources().getLimits()).containsKey("memory");
        assertThat(manifests()).extracting(HasMetadata::getKind).contains("Namespace", "ServiceAccount",
                "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "IngressClass",
                "Deployment", "Service", "PodDisruptionBudget");
    }
}
