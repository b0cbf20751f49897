package io.tidegate.spi.model;

import java.util.List;

/**
 * How a cluster picks an endpoint.
 *
 * @param policy the algorithm
 * @param hashPolicies what to hash for {@link Policy#RING_HASH} and {@link Policy#MAGLEV}; the first
 *                     that yields a value is used
 */
public record LoadBalancer(Policy policy, List<HashPolicy> hashPolicies) {

    /** The algorithms. */
    public enum Policy {
        /** Smooth weighted round robin (nginx's algorithm); plain round robin when weights are equal. */
        ROUND_ROBIN,
        /** Power of two random choices, fewer active requests wins. */
        LEAST_REQUEST,
        /** Weighted random. */
        RANDOM,
        /** Consistent hashing on a ring (Ketama). */
        RING_HASH,
        /** Maglev consistent hashing. */
        MAGLEV
    }

    /** Round robin, no hashing: the default. */
    public static final LoadBalancer ROUND_ROBIN = new LoadBalancer(Policy.ROUND_ROBIN, List.of());

    public LoadBalancer {
        policy = policy == null ? Policy.ROUND_ROBIN : policy;
        hashPolicies = List.copyOf(hashPolicies);
    }
}
