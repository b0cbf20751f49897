package io.tidegate.kernel.runtime;

/**
 * Picks one of a selection's endpoints. Implementations are thread-safe and lock-free: every event
 * loop calls them.
 */
interface Balancer {

    /** A position in the selection the balancer was built for; never called on an empty one. */
    int pick();
}
