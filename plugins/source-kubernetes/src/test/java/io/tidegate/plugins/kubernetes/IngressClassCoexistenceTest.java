package io.tidegate.plugins.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.plugins.support.kubernetes.ManifestReader;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Several installs with different classes share one cluster: each serves only its own Ingresses. */
class IngressClassCoexistenceTest {

    static final String OBJECTS = """
            apiVersion: networking.k8s.io/v1
            kind: IngressClass
            metadata: {name: public}
            spec: {controller: tidegate.io/ingress-controller}
            ---
            apiVersion: networking.k8s.io/v1
            kind: IngressClass
            metadata:
              name: internal
              annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
            spec: {controller: tidegate.io/ingress-controller}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: shop}
            spec:
              ingressClassName: public
              rules: [{host: shop.example.com}]
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: admin}
            spec:
              ingressClassName: internal
              rules: [{host: admin.example.com}]
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: legacy, annotations: {kubernetes.io/ingress.class: public}}
            spec:
              rules: [{host: legacy.example.com}]
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: classless}
            spec:
              rules: [{host: classless.example.com}]
            """;

    private static List<String> hosts(String ingressClass) {
        IngressTranslator t = new IngressTranslator("kubernetes", ingressClass, KubernetesSettings.DEFAULT_CONTROLLER,
                false, TestListeners.of(false));
        return t.translate(Snapshot.of(ManifestReader.parse(OBJECTS), null)).served().stream()
                .map(i -> i.getSpec().getRules().get(0).getHost()).sorted().toList();
    }

    @Test
    void eachClassServesItsOwnAndTheDefaultClassTakesTheClassless() {
        assertThat(hosts("public")).containsExactly("legacy.example.com", "shop.example.com");
        assertThat(hosts("internal")).containsExactly("admin.example.com", "classless.example.com");
        assertThat(hosts("nginx")).isEmpty();
    }
}
