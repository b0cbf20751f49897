package io.tidegate.kernel;

/** Process-wide lifecycle flags shared by the engine and the admin API. */
public final class Lifecycle {

    private volatile boolean draining;

    /** Whether shutdown has begun: {@code /ready} answers 503 so load balancers stop sending. */
    public boolean draining() {
        return draining;
    }

    public void startDraining() {
        draining = true;
    }
}
