package io.tidegate.plugins.kubernetes;

import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/** The decoded content of a Secret, for the annotations and listener certificates that read one. */
final class SecretData {

    private SecretData() {
    }

    /** A Secret named by an annotation: {@code name} in the given namespace, or {@code namespace/name}. */
    record Ref(String namespace, String name) {

        static Ref parse(String ref, String namespace) {
            int slash = ref.indexOf('/');
            return slash < 0 ? new Ref(namespace, ref) : new Ref(ref.substring(0, slash), ref.substring(slash + 1));
        }
    }

    /** A Secret's decoded data, with stringData (manifests) on top. */
    static Map<String, String> decode(Secret secret) {
        Map<String, String> out = new TreeMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> {
                try {
                    out.put(k, new String(Base64.getMimeDecoder().decode(v == null ? "" : v), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    // not base64: left out, the caller reports the key as missing
                }
            });
        }
        if (secret.getStringData() != null) {
            out.putAll(secret.getStringData());
        }
        return out;
    }
}
