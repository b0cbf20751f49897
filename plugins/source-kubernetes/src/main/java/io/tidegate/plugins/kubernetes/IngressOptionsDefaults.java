package io.tidegate.plugins.kubernetes;

import io.tidegate.spi.model.Cluster;
import java.util.List;

/** Cluster options without annotations (Gateway API backends). */
final class IngressOptionsDefaults {

    static final IngressOptions HTTP = new IngressOptions(false, null, true, false, null, null, null,
            Cluster.UpstreamProtocol.HTTP1, null, null, List.of(), null, null, null, null, null, null, null, null,
            null, null);

    private IngressOptionsDefaults() {
    }
}
