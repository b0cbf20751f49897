package io.tidegate.spi.model;

/**
 * Circuit-breaker and pool limits for one cluster, per gateway process. Zero or negative: unlimited.
 *
 * @param maxConnections open upstream connections
 * @param maxPendingRequests requests waiting for a connection
 * @param maxRequests requests in flight
 * @param maxRetries retries in flight
 * @param maxRequestsPerConnection requests on one connection before it is closed; 0: unlimited
 */
public record ConnectionLimits(int maxConnections, int maxPendingRequests, int maxRequests, int maxRetries,
                               int maxRequestsPerConnection) {

    /** No limits. */
    public static final ConnectionLimits UNLIMITED = new ConnectionLimits(0, 0, 0, 0, 0);
}
