package io.tidegate.plugins.kubernetes;

import io.fabric8.kubernetes.api.model.Secret;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.UpstreamTls;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * TLS origination to an HTTPS or GRPCS backend: proxy-ssl-verify, proxy-ssl-name, proxy-ssl-server-name and
 * proxy-ssl-secret (its CA bundle and client certificate read from the Secret). Follows the "Backend Certificate
 * Authentication" section of
 * <a href="https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/">ingress-nginx's
 * annotations page</a>.
 */
final class UpstreamTlsAnnotations {

    private final BiFunction<String, String, Secret> secrets;

    /** @param secrets looks a Secret up by namespace and name; null when absent */
    UpstreamTlsAnnotations(BiFunction<String, String, Secret> secrets) {
        this.secrets = secrets;
    }

    /** Marks proxy-ssl-secret that cannot be read: the paths fail closed rather than skip verification. */
    static final UpstreamTls FAIL_CLOSED_TLS = new UpstreamTls(null, null, true, null, null, List.of(),
            List.of());

    UpstreamTls read(Map<String, String> a, boolean tls, Cluster.UpstreamProtocol protocol, String namespace,
                     Receipts r) {
        if (!tls) {
            return null;
        }
        boolean verify = false; // proxy_ssl_verify off, nginx's default
        if (a.containsKey("proxy-ssl-verify")) {
            String v = a.get("proxy-ssl-verify").toLowerCase(Locale.ROOT);
            if (v.equals("on") || v.equals("off")) {
                verify = v.equals("on");
                r.info("proxy-ssl-verify", "applied: the upstream certificate is " + (verify ? "" : "not ")
                        + "verified");
            } else {
                r.warn("proxy-ssl-verify", "ignored: '" + v + "' (expected: on or off); off is used");
            }
        }
        String sni = null;
        if (a.containsKey("proxy-ssl-name")) {
            sni = a.get("proxy-ssl-name").toLowerCase(Locale.ROOT);
            r.info("proxy-ssl-name", "applied: the upstream's name is " + sni + " (sent as SNI, verified when "
                    + "proxy-ssl-verify is on)");
        }
        if (a.containsKey("proxy-ssl-server-name")) {
            String v = a.get("proxy-ssl-server-name").toLowerCase(Locale.ROOT);
            if (v.equals("on")) {
                r.info("proxy-ssl-server-name", "applied: SNI is " + (sni != null ? sni : "the endpoint's host name "
                        + "(none for pod IPs)"));
            } else {
                r.warn("proxy-ssl-server-name", "approximated: the kernel sends SNI when it has a name "
                        + "(proxy-ssl-name, or an ExternalName host), whatever this says");
            }
        }
        String ca = null;
        String crt = null;
        String key = null;
        if (a.containsKey("proxy-ssl-secret")) {
            String ref = a.get("proxy-ssl-secret");
            SecretData.Ref secretRef = SecretData.Ref.parse(ref, namespace == null ? "default" : namespace);
            String ns = secretRef.namespace();
            String name = secretRef.name();
            Secret secret = secrets.apply(ns, name);
            Map<String, String> data = secret == null ? Map.of() : SecretData.decode(secret);
            ca = data.get("ca.crt");
            crt = data.get("tls.crt");
            key = data.get("tls.key");
            if (secret == null || ca == null && (crt == null || key == null)) {
                r.error("proxy-ssl-secret", "refused: " + (secret == null ? "Secret " + ns + "/" + name + " not found"
                        : "Secret " + ns + "/" + name + " has neither ca.crt nor tls.crt and tls.key")
                        + "; every path of this Ingress answers 503 until it can be read");
                return FAIL_CLOSED_TLS;
            }
            if (crt == null || key == null) {
                crt = null;
                key = null;
            }
            r.info("proxy-ssl-secret", "applied: " + (ca != null ? "CA bundle ca.crt" : "")
                    + (ca != null && crt != null ? ", " : "") + (crt != null ? "client certificate tls.crt/tls.key" : "")
                    + (ca != null && !verify ? " (used when proxy-ssl-verify is on)" : ""));
        }
        return new UpstreamTls(sni, ca, verify, crt, key,
                protocol == Cluster.UpstreamProtocol.HTTP2 ? List.of("h2") : List.of(), List.of());
    }
}
