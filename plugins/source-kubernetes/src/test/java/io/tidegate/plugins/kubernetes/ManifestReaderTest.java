package io.tidegate.plugins.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

        List<HasMetadata> others = new ArrayList<>();
        Snapshot snapshot = Snapshot.of(objects, others);
        assertThat(snapshot.services()).hasSize(1);
        assertThat(snapshot.ingressClasses()).hasSize(1);
        assertThat(others).extracting(HasMetadata::getKind).containsExactly("Deployment");
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
