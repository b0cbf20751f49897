package io.tidegate.kernel.engine;

import io.tidegate.spi.model.SocketAddress;

/**
 * Which pooled connections may serve a request: same cluster (so its TLS and protocol settings
 * apply), same endpoint, and the same TLS origination ({@code tls}, compared by identity: a cluster whose
 * TLS settings changed gets a new context, and connections made under the old one are not reused).
 *
 * @param tls the cluster's {@code UpstreamTlsContext}; null for plaintext
 */
record PoolKey(String cluster, SocketAddress endpoint, Object tls) {

    /** A plaintext key. */
    PoolKey(String cluster, SocketAddress endpoint) {
        this(cluster, endpoint, null);
    }
}
