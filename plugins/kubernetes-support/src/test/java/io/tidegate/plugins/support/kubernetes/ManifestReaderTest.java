package io.tidegate.plugins.support.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Manifests read as {@code kubectl apply -f} takes them. */
class ManifestReaderTest {

    @Test
    void documentsListsCommentsAndDefaultNamespace() {
        List<HasMetadata> objects = ManifestReader.parse("""
                # a comment-only document
                ---
                apiVersion: v1
                kind: List
                items:
                  - apiVersion: v1
                    kind: Service
                    metadata: {name: a}
                  - apiVersion: v1
                    kind: Secret
                    metadata: {name: s, namespace: shop}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: d}
                ---
                apiVersion: networking.k8s.io/v1
                kind: IngressClass
                metadata: {name: tidegate}
                spec: {controller: tidegate.io/ingress-controller}
                """);
        assertThat(objects).extracting(HasMetadata::getKind).containsExactly("Service", "Secret", "Deployment",
                "IngressClass");
        assertThat(objects.get(0).getMetadata().getNamespace()).isEqualTo("default");
        assertThat(objects.get(1).getMetadata().getNamespace()).isEqualTo("shop");
        assertThat(objects.get(3).getMetadata().getNamespace()).as("cluster-scoped").isNull();
    }

    @Test
    void clusterScopedKindsGetNoNamespaceCustomResourcesGetTheDefault() {
        List<HasMetadata> objects = ManifestReader.parse("""
                apiVersion: v1
                kind: Namespace
                metadata: {name: shop}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: tidegate}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata: {name: tidegate}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: tidegate}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: GatewayClass
                metadata: {name: tidegate}
                spec: {controllerName: tidegate.io/gateway-controller}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: web}
                spec: {gatewayClassName: tidegate, listeners: []}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec: {hosts: [reviews]}
                """);
        assertThat(objects).extracting(HasMetadata::getKind).containsExactly("Namespace", "ClusterRole",
                "ClusterRoleBinding", "GatewayClass", "Gateway", "VirtualService");
        assertThat(objects).extracting(o -> o.getMetadata().getNamespace())
                .containsExactly(null, null, null, null, "default", "default");
    }

    @Test
    void aBrokenDocumentIsNamed() {
        assertThatThrownBy(() -> ManifestReader.parse("apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n"
                + "apiVersion: v1\nkind: Service\nmetadata: {name: [x\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("document 2: ");
        assertThatThrownBy(() -> ManifestReader.parse("apiVersion: v1\nkind: Service\nmetadata: {}\n"))
                .hasMessageContaining("has no metadata.name");
    }

    @Test
    void aDirectoryIsItsYamlAndJsonFilesInNameOrderWithoutHiddenOnes(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("b.yaml"), "");
        Files.writeString(dir.resolve("a.json"), "{}");
        Files.writeString(dir.resolve(".a.yaml.swp"), "");
        Files.writeString(dir.resolve("notes.txt"), "");
        Files.createDirectory(dir.resolve("sub.yaml"));
        assertThat(ManifestReader.list(dir)).extracting(p -> p.getFileName().toString())
                .containsExactly("a.json", "b.yaml");
    }
}
