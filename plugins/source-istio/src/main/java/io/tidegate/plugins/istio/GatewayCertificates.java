package io.tidegate.plugins.istio;

import static io.tidegate.plugins.istio.IstioObjects.ns;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.tidegate.spi.model.Certificate;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Provenance;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The certificates HTTPS Gateway servers serve ({@code tls.credentialName}), with the client CA of MUTUAL
 * and OPTIONAL_MUTUAL servers. Follows Istio's
 * <a href="https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings">
 * ServerTLSSettings reference</a> and its
 * <a href="https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/">secure gateways
 * task</a> (the Secret keys).
 */
final class GatewayCertificates {

    private GatewayCertificates() {
    }

    /**
     * The certificate an HTTPS server serves for its hosts, from its {@code credentialName} Secret. MUTUAL and
     * OPTIONAL_MUTUAL carry the client CA Istio reads for that credential ({@code ca.crt} or {@code cacert}
     * in the Secret, else the separate {@code <credentialName>-cacert} Secret), so the kernel verifies
     * client certificates for handshakes whose SNI selects it, whatever the listener's {@code clientAuth}.
     * Such a server without its certificate or CA is rejected: serving it without client verification would
     * let in what Istio refuses.
     */
    static void add(Translation run, GenericKubernetesResource gw, Node server, String mode, List<String> hosts,
                    Provenance where) {
        Node tls = server.get("tls");
        Certificate.ClientAuth auth = "MUTUAL".equals(mode) ? Certificate.ClientAuth.REQUIRE
                : "OPTIONAL_MUTUAL".equals(mode) ? Certificate.ClientAuth.OPTIONAL : Certificate.ClientAuth.NONE;
        boolean mutual = auth != Certificate.ClientAuth.NONE;
        if (!tls.has("credentialName")) {
            if (mutual) {
                throw tls.get("credentialName").error("is required for " + mode + " (file-mounted serverCertificate"
                        + " and caCertificates are not read)");
            }
            if (tls.has("serverCertificate")) {
                run.diagnostics.add(Diagnostic.warning(where, server.path() + ".tls.serverCertificate",
                        "file-mounted certificates are not read; use credentialName"));
            }
            return;
        }
        Node credential = tls.get("credentialName");
        String secretName = credential.string();
        String secretKey = ns(gw) + "/" + secretName;
        Secret secret = run.secrets.get(secretKey);
        Map<String, String> data = secret == null ? Map.of() : Secrets.data(secret);
        String crt = Secrets.first(data, "tls.crt", "cert");
        String key = Secrets.first(data, "tls.key", "key");
        if (crt == null || key == null) {
            String missing = "Secret " + secretKey + (secret == null ? " not found" : " has no tls.crt and tls.key");
            if (mutual) {
                throw credential.error(missing + "; a " + mode + " server is not served without its certificate");
            }
            run.diagnostics.add(Diagnostic.warning(where, server.path() + ".tls.credentialName", missing
                    + "; no certificate for " + hosts + " until it does"));
            return;
        }
        String ca = null;
        if (mutual) {
            // Each narrows the clients Istio accepts; ignoring one would let in clients Istio refuses.
            for (String narrowing : List.of("subjectAltNames", "verifyCertificateSpki", "verifyCertificateHash")) {
                if (tls.has(narrowing)) {
                    throw tls.get(narrowing).error("is not supported on Gateway servers (client certificates are"
                            + " verified against the CA only)");
                }
            }
            ca = Secrets.first(data, "ca.crt", "cacert");
            String crl = data.get("ca.crl");
            Secret separate = run.secrets.get(secretKey + "-cacert");
            if (ca == null && separate != null) {
                Map<String, String> caData = Secrets.data(separate);
                ca = Secrets.first(caData, "ca.crt", "cacert");
                crl = caData.get("ca.crl");
            }
            if (crl != null) {
                throw credential.error("Secret " + secretKey + " has a ca.crl; revocation lists are not supported"
                        + " (clients it revokes would be let in)");
            }
            if (ca == null) {
                throw credential.error(mode + " needs a CA to verify client certificates: Secret " + secretKey
                        + " has no ca.crt or cacert, and there is no Secret " + secretKey + "-cacert with one");
            }
        }
        // One certificate per Secret and mode: a SIMPLE and a MUTUAL server may share a credential.
        String cname = mutual ? secretKey + " (" + mode + ")" : secretKey;
        Certificate old = run.certificates.get(cname);
        Set<String> sni = new java.util.TreeSet<>(old == null ? List.of() : old.serverNames());
        hosts.stream().map(IstioHosts::bareHost).filter(h -> !h.equals("*")).forEach(sni::add);
        Certificate cert = new Certificate(cname, List.copyOf(sni), crt, key, Provenance.of(run.source, "Secret "
                + secretKey));
        run.certificates.put(cname, mutual ? cert.withClientAuth(ca, auth) : cert);
    }
}
