package io.tidegate.plugins.istio;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;

/** Reading the parts every Istio object has: its namespace and its {@code spec}. */
final class IstioObjects {

    private IstioObjects() {
    }

    /** The object's namespace; {@code default} when a manifest names none, as kubectl applies it. */
    static String ns(HasMetadata o) {
        String ns = o.getMetadata().getNamespace();
        return ns == null ? "default" : ns;
    }

    static Node spec(GenericKubernetesResource o) {
        return new Node(o.getAdditionalProperties().get("spec"), "spec");
    }
}
