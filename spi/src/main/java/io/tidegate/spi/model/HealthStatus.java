package io.tidegate.spi.model;

/** An endpoint's health as its source reports it (active checks and outlier detection add to it). */
public enum HealthStatus {
    /** Receives traffic. */
    HEALTHY,
    /** Receives no traffic. */
    UNHEALTHY,
    /** Receives no new requests; requests in flight finish (e.g. a terminating pod). */
    DRAINING,
    /** Not known; treated as healthy until a check says otherwise. */
    UNKNOWN;

    /** Whether new requests may be sent. */
    public boolean acceptsTraffic() {
        return this == HEALTHY || this == UNKNOWN;
    }
}
