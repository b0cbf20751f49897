package io.tidegate.kernel.engine;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * What the stages of an exchange ({@link PolicyStages}, {@link Tunnels}) ask of the client connection the
 * exchange runs on: its {@link ProxyFrontendHandler}, which keeps the exchange's state machine. The
 * stages are stateless, so an HTTP/2 stream (one handler per request) allocates nothing for them.
 */
interface ExchangeControl {

    /** Whether {@code e} is still the connection's running exchange (not finished, not replaced). */
    boolean runs(Exchange e);

    /** Sends a response the gateway wrote itself, with {@code flag} (may be null) for the access log. */
    void respondLocal(Exchange e, FullHttpResponse response, String flag);

    /** An error the gateway answers itself; mid-response it can only cut the connection. */
    void respondError(Exchange e, HttpResponseStatus status, String detail, String flag);

    /** Policies and faults let the request through: the route's action (forward, redirect, direct response). */
    void act(Exchange e);

    /** An absolute-form request to its resolved target: forwarded as any other, on {@code e.poolKey}. */
    void forwardToTarget(Exchange e);

    /** The exchange becomes a byte relay: its timers stop and bytes pipelined behind it are dropped. */
    void relayStarts(Exchange e);
}
