package io.tidegate.kernel.engine;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tidegate.kernel.runtime.RetryRules;

/**
 * What the stages of an exchange ({@link RequestRouting}, {@link PolicyStages}, {@link UpstreamAttempts},
 * {@link UpstreamAcquisition}, {@link Tunnels}) ask of the client connection the exchange runs on: its
 * {@link ProxyFrontendHandler}, which keeps the exchange's state machine. The stages are stateless, so an
 * HTTP/2 stream (one handler per request) allocates nothing for them.
 */
interface ExchangeControl extends ConnectionWaiter.Owner {

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

    /**
     * Retries the request after a failed try when the route's rules and the cluster's budget allow.
     *
     * @return whether a retry was scheduled (the caller answers nothing then)
     */
    boolean retry(Exchange e, RetryRules.Failure failure, int status, HttpResponse response);

    /** Cuts the connection mid-response, with {@code flag}. */
    void abort(Exchange e, String flag);

    /** Lets go of the exchange's upstream connection (closed, not pooled) and of any wait for one. */
    void detachUpstream(Exchange e);

    /** Sends the request, and what arrived of its body, on {@code upstream}. */
    void attach(Exchange e, Channel upstream, boolean reused);

    /** The try or the request took too long: a {@code 504} with {@code flag}, or a cut mid-response. */
    void timedOut(Exchange e, String flag, String detail);

    /** The exchange waits for an upstream connection (a pending request). */
    void waitsForConnection(Exchange e);

    /** Ends the running exchange (logged, resources back); {@code close}: the connection closes too. */
    void finish(boolean close);

    /** The client asked to be told before it sends its body ({@code Expect: 100-continue}): it may. */
    void sendContinue(Exchange e);

    /** The exchange becomes a byte relay: its timers stop and bytes pipelined behind it are dropped. */
    void relayStarts(Exchange e);
}
