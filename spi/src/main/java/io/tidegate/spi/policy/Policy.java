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
