package io.tidegate.plugins.file;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Certificate;
import io.tidegate.spi.model.Provenance;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one item of a file's {@code certificates:} list: a PEM chain and key from files, served to clients
 * whose SNI matches {@code serverNames} (or, when absent, the certificate's own DNS names). The PEM is
 * checked by the kernel (parse, key match); a bad one is rejected alone there.
 */
final class CertificateParser {

    private CertificateParser() {
    }

    static Certificate parse(ConfigNode node, Provenance provenance, String origin, FileRefs files) {
        node.requireOnlyKeys("name", "serverNames", "certFile", "keyFile");
        String name = Syntax.name(node.get("name"));
        List<String> serverNames = new ArrayList<>();
        for (ConfigNode n : node.getOrNull("serverNames").items()) {
            String host = Syntax.hostPattern(n);
            if (host.equals("*")) {
                throw n.error("\"*\" (expected: a host name or *.suffix; the listener's certFile is the default "
                        + "certificate)");
            }
            serverNames.add(host);
        }
        String chain = files.text(node.get("certFile"), origin);
        String key = files.text(node.get("keyFile"), origin);
        return new Certificate(name, serverNames, chain, key, provenance);
    }
}
