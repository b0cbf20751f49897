package io.tidegate.kernel.runtime;

/**
 * Picks one endpoint index out of a cluster's healthy endpoints. Implementations are thread-safe
 * and lock-free: every event loop calls them.
 */
interface Balancer {

    /** An index into the endpoint array the balancer was built for; never called with no endpoints. */
    int pick();

    /** Called when a request to endpoint {@code index} starts and ends (least-request counts). */
    default void onStart(int index) {
    }

    default void onEnd(int index) {
    }
}
