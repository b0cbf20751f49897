package io.tidegate.kernel.runtime;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A consistent-hash balancer: the same hash always picks the same endpoint while the endpoint set
 * stays the same, and a change of the set moves only the keys of the endpoints that changed.
 * A request that yields no hash key is spread at random, as Envoy does.
 */
abstract class HashBalancer implements Balancer {

    /** The endpoint for a request key's {@link Hashing#hash hash}. */
    abstract int pick(long hash);

    @Override
    public int pick() {
        return pick(ThreadLocalRandom.current().nextLong());
    }
}
