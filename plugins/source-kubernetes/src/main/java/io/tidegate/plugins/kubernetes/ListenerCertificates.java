package io.tidegate.plugins.kubernetes;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.SecretObjectReference;
import io.tidegate.spi.model.Certificate;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Provenance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The certificates of HTTPS Gateway listeners ({@code tls.mode: Terminate}): the first
 * {@code certificateRefs} entry that resolves to a {@code kubernetes.io/tls} Secret (in the Gateway's
 * namespace, or another one a ReferenceGrant opens to Gateways) becomes a {@link Certificate} for the
 * listener's hostname, or, without one, for the hostnames of the routes attached to it (none: the
 * certificate's own DNS names). Named {@code <namespace>/<secret>} as the Ingress TLS certificates, so a
 * Secret used by both is one certificate for all its names.
 */
final class ListenerCertificates {

    private final String source;
    private final Map<String, Secret> secrets = new HashMap<>();
    private final ReferenceGrants grants;
    private final Map<String, Certificate> out = new TreeMap<>();

    ListenerCertificates(String source, List<Secret> secrets, ReferenceGrants grants) {
        this.source = source;
        secrets.forEach(s -> this.secrets.put(Backends.key(s.getMetadata().getNamespace(), s.getMetadata().getName()),
                s));
        this.grants = grants;
    }

    /**
     * Adds the certificate of one HTTPS listener.
     *
     * @param routeHosts hostnames of the routes attached to the listener
     * @return the listener's ResolvedRefs problem ("Reason: message"), or null
     */
    String add(String gateway, GatewayParents.Bound l, Set<String> routeHosts, Provenance object, String field,
               List<Diagnostic> diagnostics) {
        String gwNs = gateway.substring(0, gateway.indexOf('/'));
        List<SecretObjectReference> refs = l.spec().getTls() == null || l.spec().getTls().getCertificateRefs() == null
                ? List.of() : l.spec().getTls().getCertificateRefs();
        if (refs.isEmpty()) {
            diagnostics.add(Diagnostic.error(object, field + ".tls.certificateRefs", "missing (expected: a "
                    + "kubernetes.io/tls Secret); the listener has no certificate"));
            return "InvalidCertificateRef: no certificateRefs";
        }
        List<String> names = new ArrayList<>();
        if (l.spec().getHostname() != null && !l.spec().getHostname().isEmpty()) {
            names.add(l.spec().getHostname().toLowerCase(Locale.ROOT));
        } else {
            names.addAll(routeHosts);
        }
        String problem = null;
        boolean served = false;
        for (int i = 0; i < refs.size(); i++) {
            SecretObjectReference ref = refs.get(i);
            String at = field + ".tls.certificateRefs[" + i + "]";
            String group = ref.getGroup() == null ? "" : ref.getGroup();
            String kind = ref.getKind() == null ? "Secret" : ref.getKind();
            if (!group.isEmpty() || !kind.equals("Secret")) {
                diagnostics.add(Diagnostic.error(object, at, "kind " + (group.isEmpty() ? "" : group + "/") + kind
                        + " is not supported (expected: Secret)"));
                problem = problem != null ? problem : "InvalidCertificateRef: " + at + " is not a Secret";
                continue;
            }
            String ns = ref.getNamespace() == null || ref.getNamespace().isEmpty() ? gwNs : ref.getNamespace();
            String key = ns + "/" + ref.getName();
            if (!grants.permits(GatewayTranslator.GROUP, "Gateway", gwNs, "", "Secret", ns, ref.getName())) {
                diagnostics.add(Diagnostic.error(object, at, "Secret " + key + " is in another namespace and no "
                        + "ReferenceGrant in " + ns + " permits Gateways of " + gwNs + " to refer to it; not used"));
                problem = problem != null ? problem : "RefNotPermitted: " + at + " refers to Secret " + key
                        + " without a ReferenceGrant";
                continue;
            }
            if (served) {
                diagnostics.add(Diagnostic.warning(object, at, "only the first usable certificateRef is served (one "
                        + "certificate per name); Secret " + key + " ignored"));
                continue;
            }
            Secret secret = secrets.get(key);
            Map<String, String> data = secret == null ? Map.of() : SecretData.decode(secret);
            String crt = data.get("tls.crt");
            String pem = data.get("tls.key");
            if (secret == null || !"kubernetes.io/tls".equals(secret.getType()) || crt == null || pem == null
                    || !crt.contains("-----BEGIN") || !pem.contains("-----BEGIN")) {
                diagnostics.add(Diagnostic.error(object, at, "Secret " + key + (secret == null ? " not found"
                        : " is not a kubernetes.io/tls Secret with PEM tls.crt and tls.key")
                        + "; no certificate from it"));
                problem = problem != null ? problem : "InvalidCertificateRef: Secret " + key
                        + (secret == null ? " not found" : " is not a usable kubernetes.io/tls Secret");
                continue;
            }
            served = true;
            Certificate old = out.get(key);
            Set<String> all = new TreeSet<>(names);
            if (old != null) {
                all.addAll(old.serverNames());
            }
            out.put(key, new Certificate(key, List.copyOf(all), crt, pem, Provenance.of(source, "Secret " + key)));
        }
        return served ? null : problem;
    }

    /** Every certificate added, by name. */
    List<Certificate> certificates() {
        return List.copyOf(out.values());
    }
}
