package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.GatewayConfigLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The in-cluster deployment ({@code distribution/kubernetes/}) and the container image
 * ({@code distribution/Dockerfile}) agree with each other and with the install tree. No container engine
 * or cluster runs here, so the image is never built in this suite: what can be checked from the files is
 * checked (stages, user, paths, ports, probes, the config the ConfigMap ships).
 */
class DeploymentManifestsTest {

    private static final Path MANIFESTS = Path.of("kubernetes");
    private static final Path DOCKERFILE = Path.of("Dockerfile");

    private static final List<Map<String, Object>> objects = new ArrayList<>();

    @BeforeAll
    static void read() throws Exception {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        try (Stream<Path> files = Files.list(MANIFESTS)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                for (Object doc : yaml.loadAll(Files.readString(f, StandardCharsets.UTF_8))) {
                    if (doc != null) {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> o = (Map<String, Object>) doc;
                        o.put("__file", f.getFileName().toString());
                        objects.add(o);
                    }
                }
            }
        }
    }

    private static Map<String, Object> one(String kind) {
        List<Map<String, Object>> found = objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
        assertThat(found).as(kind).hasSize(1);
        return found.get(0);
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Object node, String... path) {
        Object n = node;
        for (String p : path) {
            assertThat(n).as("parent of " + p).isInstanceOf(Map.class);
            n = ((Map<String, Object>) n).get(p);
        }
        return (T) n;
    }

    private static Map<String, Object> container() {
        List<Map<String, Object>> containers = at(one("Deployment"), "spec", "template", "spec", "containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    private static int containerPort(String name) {
        List<Map<String, Object>> ports = at(container(), "ports");
        return ports.stream().filter(p -> name.equals(p.get("name"))).map(p -> (Integer) p.get("containerPort"))
                .findFirst().orElseThrow(() -> new AssertionError("no container port named " + name));
    }

    @Test
    void kustomizationAppliesEveryManifestAndNothingElse() throws Exception {
        List<String> resources = at(one("Kustomization"), "resources");
        List<String> files;
        try (Stream<Path> s = Files.list(MANIFESTS)) {
            files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .filter(n -> !n.equals("kustomization.yaml")).sorted().toList();
        }
        assertThat(resources).containsExactlyInAnyOrderElementsOf(files);
    }

    @Test
    void theDeploymentRunsTwoHardenedReplicasWithProbesOnTheAdminPort() {
        Map<String, Object> d = one("Deployment");
        assertThat((Integer) at(d, "spec", "replicas")).isEqualTo(2);
        Map<String, Object> pod = at(d, "spec", "template", "spec");
        assertThat((Boolean) at(pod, "securityContext", "runAsNonRoot")).isTrue();
        Map<String, Object> c = container();
        assertThat((Boolean) at(c, "securityContext", "readOnlyRootFilesystem")).isTrue();
        assertThat((Boolean) at(c, "securityContext", "allowPrivilegeEscalation")).isFalse();
        assertThat((List<String>) at(c, "securityContext", "capabilities", "drop")).containsExactly("ALL");
        assertThat((Object) at(c, "resources", "requests", "cpu")).isNotNull();
        assertThat((Object) at(c, "resources", "requests", "memory")).isNotNull();
        assertThat((Object) at(c, "resources", "limits", "memory")).isNotNull();
        assertThat((String) at(c, "readinessProbe", "httpGet", "path")).isEqualTo("/ready");
        assertThat((String) at(c, "livenessProbe", "httpGet", "path")).isEqualTo("/live");
        assertThat((String) at(c, "readinessProbe", "httpGet", "port")).isEqualTo("admin");
        assertThat((String) at(c, "livenessProbe", "httpGet", "port")).isEqualTo("admin");
        // The JVM and netty-tcnative write only to /tmp, which must be a volume on a read-only root.
        List<Map<String, Object>> mounts = at(c, "volumeMounts");
        assertThat(mounts).extracting(m -> m.get("mountPath")).contains("/tmp");
    }

    @Test
    void theConfigMapShipsAConfigTheGatewayAcceptsAndThePodReadsIt(@TempDir Path home) throws Exception {
        Map<String, Object> cm = one("ConfigMap");
        Map<String, String> data = at(cm, "data");
        assertThat(data).containsKey("tidegate.yaml");
        Files.createDirectories(home.resolve("plugins"));
        Path file = Files.writeString(home.resolve("tidegate.yaml"), data.get("tidegate.yaml"));
        GatewayConfig config = new GatewayConfigLoader().load(file, home);

        // The probes reach the admin API through the container port the Deployment names "admin".
        assertThat(config.admin().port()).isEqualTo(containerPort("admin"));
        assertThat(config.listeners()).anySatisfy(l -> assertThat(l.listener().address().port())
                .isEqualTo(containerPort("http")));

        // `run -c FILE`: FILE is the ConfigMap's key under the volume it is mounted as.
        List<String> args = at(container(), "args");
        String mountPath = ((List<Map<String, Object>>) at(container(), "volumeMounts")).stream()
                .filter(m -> "config".equals(m.get("name"))).map(m -> (String) m.get("mountPath")).findFirst()
                .orElseThrow();
        assertThat(args).containsSubsequence("run", "-c", mountPath + "/tidegate.yaml");
        List<Map<String, Object>> volumes = at(one("Deployment"), "spec", "template", "spec", "volumes");
        assertThat(volumes).anySatisfy(v -> assertThat((String) at(v, "configMap", "name"))
                .isEqualTo(at(cm, "metadata", "name")));
    }

    @Test
    void serviceAndDisruptionBudgetSelectThePodsAndClassNamesOurController() {
        Map<String, Object> labels = at(one("Deployment"), "spec", "template", "metadata", "labels");
        Map<String, Object> service = one("Service");
        assertThat((String) at(service, "spec", "type")).isEqualTo("LoadBalancer");
        assertThat((Map<String, Object>) at(service, "spec", "selector")).isEqualTo(labels);
        List<Map<String, Object>> ports = at(service, "spec", "ports");
        for (Map<String, Object> p : ports) {
            containerPort((String) p.get("targetPort")); // every target names a port of the container
        }
        assertThat(ports).extracting(p -> p.get("targetPort")).doesNotContain("admin"); // never exposed
        Map<String, Object> pdb = one("PodDisruptionBudget");
        assertThat((Map<String, Object>) at(pdb, "spec", "selector", "matchLabels")).isEqualTo(labels);
        assertThat((Integer) at(pdb, "spec", "minAvailable")).isLessThan(at(one("Deployment"), "spec", "replicas"));
        assertThat((String) at(one("IngressClass"), "spec", "controller")).isEqualTo("tidegate.io/ingress-controller");
        assertThat(one("Namespace")).isNotNull();
    }

    @Test
    void theDockerfileBuildsInStagesAndRunsTheInstallTreeAsTheDeploymentsUser() throws Exception {
        String dockerfile = Files.readString(DOCKERFILE, StandardCharsets.UTF_8);
        List<String> froms = new ArrayList<>();
        Matcher from = Pattern.compile("(?m)^FROM\\s+(\\S+)").matcher(dockerfile);
        while (from.find()) {
            froms.add(from.group(1));
        }
        assertThat(froms).as("a build stage and a runtime stage").hasSize(2);
        assertThat(froms.get(1)).as("a JRE, not a JDK, at run time").contains("jre");
        String runtime = dockerfile.substring(dockerfile.lastIndexOf("\nFROM "));
        Matcher user = Pattern.compile("(?m)^USER\\s+(\\d+)(?::(\\d+))?").matcher(runtime);
        assertThat(user.find()).as("a numeric USER in the runtime stage").isTrue();
        int uid = Integer.parseInt(user.group(1));
        assertThat(uid).as("not root").isPositive();
        assertThat((Integer) at(one("Deployment"), "spec", "template", "spec", "securityContext", "runAsUser"))
                .isEqualTo(uid);
        // The paths it runs are those the install tree has: bin/ from src/bin, conf/ from config/.
        assertThat(runtime).contains("ENTRYPOINT [\"/opt/tidegate/bin/tidegate\"]");
        assertThat(Path.of("src/bin/tidegate")).exists();
        assertThat(runtime).contains("/opt/tidegate/conf/tidegate.yaml");
        assertThat(Path.of("../config/tidegate.yaml")).exists();
        Matcher expose = Pattern.compile("(?m)^EXPOSE\\s+(.+)$").matcher(runtime);
        assertThat(expose.find()).isTrue();
        assertThat(expose.group(1).trim().split("\\s+")).containsExactlyInAnyOrder(
                String.valueOf(containerPort("http")), String.valueOf(containerPort("admin")));
        assertThat(dockerfile).as("no remote ADD").doesNotContainPattern("(?m)^ADD\\s+https?:");
    }
}
