package io.tidegate.plugins.istio;

import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading the keys of Kubernetes Secrets that Istio objects name ({@code credentialName}). */
final class Secrets {

    private Secrets() {
    }

    /** A Secret's {@code data} (decoded) and {@code stringData}, the latter winning. */
    static Map<String, String> data(Secret s) {
        Map<String, String> out = new LinkedHashMap<>();
        if (s.getData() != null) {
            s.getData().forEach((k, v) -> out.put(k, new String(Base64.getMimeDecoder().decode(v),
                    StandardCharsets.UTF_8)));
        }
        if (s.getStringData() != null) {
            out.putAll(s.getStringData());
        }
        return out;
    }

    /** The value of key {@code a}, else of key {@code b}. */
    static String first(Map<String, String> data, String a, String b) {
        return data.get(a) != null ? data.get(a) : data.get(b);
    }
}
