package io.tidegate.spi.model;

/** What a listener speaks to its clients. */
public enum ListenerProtocol {
    /** HTTP/1.1 (and h2c prior knowledge where enabled). */
    HTTP,
    /** TLS-terminated HTTP/1.1 and HTTP/2 by ALPN. */
    HTTPS,
    /** Raw TCP proxied to one cluster. */
    TCP,
    /** TLS routed by SNI without termination. */
    TLS_PASSTHROUGH
}
