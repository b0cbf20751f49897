package io.tidegate.spi.source;

/**
 * One running config source. The kernel calls {@link #start} once and {@link #close} once.
 *
 * <p>A source must publish its first fragment once its initial state is loaded (a file source after
 * reading its files, a Kubernetes source after its informers synced): the gateway reports
 * {@code /ready} only when every source has. After that it publishes whenever its state changes.
 * When its backend is unreachable it calls {@link FragmentSink#unavailable} and publishes nothing:
 * the kernel keeps serving the last fragment.
 */
public interface ConfigSource extends AutoCloseable {

    /** Starts loading and watching; returns promptly (work happens on the source's own threads). */
    void start(FragmentSink sink);

    /** Stops watching and frees resources. Must not throw. */
    @Override
    void close();
}
