package io.tidegate.kernel.engine;

/** What an upstream connection reports to the exchange it serves (always on the shared event loop). */
interface UpstreamListener {

    void onUpstreamMessage(Object msg);

    void onUpstreamReadComplete();

    void onUpstreamWritable();

    void onUpstreamClosed();

    void onUpstreamError(Throwable cause);
}
