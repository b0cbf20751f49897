package io.tidegate.plugins.istio;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.Secret;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.UpstreamTls;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A traffic policy's {@code tls} as the TLS a cluster originates: SIMPLE or MUTUAL, the CA, client
 * certificate and key from the {@code credentialName} Secret (in the DestinationRule's namespace) or from
 * files, SNI, ALPN and subject alt names. Follows Istio's
 * <a href="https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings">
 * ClientTLSSettings reference</a>.
 */
final class UpstreamTlsPolicy {

    private final Function<String, String> files;

    /** @param files reads a file named in a DestinationRule (caCertificates on a VM); throws on failure */
    UpstreamTlsPolicy(Function<String, String> files) {
        this.files = requireNonNull(files, "files");
    }

    /** The TLS a cluster originates, or null for plain text ({@code protocol}: what it speaks inside). */
    UpstreamTls of(Translation run, Node t, BaseCluster b, Provenance where, Cluster.UpstreamProtocol protocol) {
        if (t.missing()) {
            return null;
        }
        String mode = t.get("mode").string("DISABLE");
        switch (mode) {
            case "DISABLE":
                return null;
            case "ISTIO_MUTUAL":
                throw t.get("mode").error("ISTIO_MUTUAL needs the mesh's workload certificates, which Tidegate"
                        + " does not have (expected: DISABLE, SIMPLE or MUTUAL)");
            case "SIMPLE":
            case "MUTUAL":
                break;
            default:
                throw t.get("mode").error("'" + mode + "' (expected: DISABLE, SIMPLE or MUTUAL)");
        }
        String ca = null;
        String cert = null;
        String key = null;
        if (t.has("credentialName")) {
            String ns = where.object().substring(where.object().indexOf(' ') + 1, where.object().indexOf('/'));
            String secretName = t.get("credentialName").string();
            Secret s = run.secrets.get(ns + "/" + secretName);
            if (s == null) {
                throw t.get("credentialName").error("Secret " + ns + "/" + secretName + " not found");
            }
            Map<String, String> data = Secrets.data(s);
            ca = Secrets.first(data, "ca.crt", "cacert");
            cert = data.get("tls.crt") != null ? data.get("tls.crt") : data.get("cert");
            key = data.get("tls.key") != null ? data.get("tls.key") : data.get("key");
        } else {
            if (t.has("caCertificates")) {
                ca = read(t.get("caCertificates"));
            }
            if (t.has("clientCertificate")) {
                cert = read(t.get("clientCertificate"));
            }
            if (t.has("privateKey")) {
                key = read(t.get("privateKey"));
            }
        }
        if (mode.equals("SIMPLE")) {
            cert = null;
            key = null;
        } else if (cert == null || key == null) {
            throw t.error("MUTUAL needs a client certificate and key (clientCertificate and privateKey, or"
                    + " credentialName)");
        }
        boolean skip = t.get("insecureSkipVerify").bool(false);
        String sni = t.get("sni").string(b.resolution() == Cluster.Resolution.DNS || b.host().indexOf('*') < 0
                ? b.host() : null);
        // HTTP/2 over TLS is negotiated by ALPN (h2), as Istio's clusters offer it for HTTP/2 ports.
        List<String> alpn = protocol == Cluster.UpstreamProtocol.HTTP2 ? List.of("h2") : List.of();
        return new UpstreamTls(sni, ca, !skip, cert, key, alpn, t.get("subjectAltNames").strings());
    }

    private String read(Node path) {
        try {
            return files.apply(path.string());
        } catch (RuntimeException e) {
            throw path.error("cannot read " + path.string() + ": " + e.getMessage());
        }
    }
}
