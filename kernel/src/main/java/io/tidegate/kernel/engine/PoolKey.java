package io.tidegate.kernel.engine;

import io.tidegate.spi.model.SocketAddress;

/**
 * Which pooled connections may serve a request: same cluster (so its TLS and protocol settings
 * apply), same endpoint.
 */
record PoolKey(String cluster, SocketAddress endpoint) {
}
