package io.tidegate.spi.model;

import java.time.Duration;

/**
 * Per-route timeouts. Null: the kernel default (see docs/configuration.md).
 *
 * @param request the whole exchange, from the routed request head to the response's last byte (Envoy's
 *                route timeout); {@link Duration#ZERO} disables it
 * @param idle the longest time no byte moves in either direction during an exchange
 */
public record Timeouts(Duration request, Duration idle) {

    /** Kernel defaults for both. */
    public static final Timeouts DEFAULT = new Timeouts(null, null);
}
