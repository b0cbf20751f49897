package io.tidegate.spi.source;

import io.tidegate.spi.model.Fragment;

/** Where a source pushes its state. Thread-safe; calls never block for long. */
public interface FragmentSink {

    /**
     * Replaces this source's whole contribution. The kernel validates it; if the fragment is rejected
     * the previous one stays live and the reason shows at {@code /sources}.
     */
    void publish(Fragment fragment);

    /**
     * The backend cannot be reached or read (API server down, Consul 500). The last fragment stays
     * live; the reason shows at {@code /sources} until the next {@link #publish}.
     */
    void unavailable(String reason);
}
