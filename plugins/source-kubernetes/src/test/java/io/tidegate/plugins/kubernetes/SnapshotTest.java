package io.tidegate.plugins.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.tidegate.plugins.support.kubernetes.ManifestReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A snapshot sorts the objects read or watched by kind; the kinds it does not translate are left over. */
class SnapshotTest {

    @Test
    void objectsAreSortedByKindAndTheOthersLeftOver() {
        List<HasMetadata> objects = ManifestReader.parse("""
                apiVersion: networking.k8s.io/v1
                kind: IngressClass
                metadata: {name: other}
                spec: {controller: example.com/other}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: settings, namespace: shop}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: shop}
                """);
        List<HasMetadata> others = new ArrayList<>();
        Snapshot snapshot = Snapshot.of(objects, others);
        assertThat(snapshot.services()).hasSize(1);
        assertThat(snapshot.ingressClasses()).hasSize(1);
        assertThat(others).extracting(HasMetadata::getKind).containsExactly("ConfigMap");
    }
}
