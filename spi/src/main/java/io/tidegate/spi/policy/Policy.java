package io.tidegate.spi.policy;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;

/**
 * Judges traffic. Every method is called on an event loop: it must not block. A decision that needs
 * I/O (Redis, JWKS, an auth service) returns an incomplete stage and completes it from the I/O
 * library's callback; the kernel resumes the request on its own event loop.
 */
public interface Policy extends AutoCloseable {

    /** Decides on a request, after routing and before forwarding. */
    CompletionStage<Decision> evaluate(RequestView request);

    /**
     * The exchange of a request this policy allowed has ended: release what {@link #evaluate} took for it
     * (a concurrency slot, an in-flight counter).
     *
     * <p>The contract: called <b>exactly once</b> for every request for which this policy's
     * {@code evaluate} completed with a {@link Decision.Allow}, and never for one it denied, threw on or
     * failed. It is called when the exchange ends, for whatever reason: the response was fully written to
     * the client; the client went away or reset the stream (HTTP/2 {@code RST_STREAM}); the upstream
     * failed; a later policy in the chain denied the request or failed; a timeout fired; a WebSocket or
     * {@code CONNECT} tunnel closed. An allow that completes after the exchange already ended (an
     * asynchronous decision that outlived its client) is followed at once by this call.
     *
     * <p>Called on the request's event loop (must not block or throw; an exception is logged and
     * ignored) with the same view {@code evaluate} saw; the view is valid only during the call. The
     * policies that allowed a request hear in chain order.
     */
    default void onRequestComplete(RequestView request) {
    }

    /**
     * Decides on a new client connection before any byte is read (IP access, connection limits).
     * Called for policies bound globally or to the connection's listener; a denial closes the
     * connection without a response.
     */
    default CompletionStage<Decision> onConnection(ConnectionView connection) {
        return Decision.ALLOW_STAGE;
    }

    /** A connection accepted by {@link #onConnection} closed (release per-connection counters). */
    default void onConnectionClosed(ConnectionView connection) {
    }

    /**
     * Decides on the address the gateway is about to connect to for {@code request}, after DNS
     * resolution: the egress guard against names that resolve into denied ranges (DNS rebinding).
     * Called on the egress forward-proxy path (absolute-form and CONNECT targets); ingress routes
     * connect to configured cluster endpoints and do not consult it.
     */
    default CompletionStage<Decision> onUpstreamAddress(RequestView request, InetSocketAddress resolved) {
        return Decision.ALLOW_STAGE;
    }

    /** Releases resources when the policy is no longer bound anywhere. Must not throw. */
    @Override
    default void close() {
    }
}
