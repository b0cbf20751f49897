package io.tidegate.spi.policy;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.model.HeaderEdits;
import io.tidegate.spi.model.HeaderValue;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A policy's verdict: let the request through (possibly with header edits) or answer it. */
public sealed interface Decision permits Decision.Allow, Decision.Deny {

    /** Allow without changes. */
    Allow ALLOW = new Allow(HeaderEdits.NONE, HeaderEdits.NONE);

    /** {@link #ALLOW}, already completed: return it from synchronous policies without allocating. */
    CompletionStage<Decision> ALLOW_STAGE = CompletableFuture.completedFuture(ALLOW);

    /**
     * Let the request through.
     *
     * @param requestHeaders edits to the forwarded request (e.g. forwarded JWT claims, removed credentials)
     * @param responseHeaders edits to the response (e.g. {@code RateLimit-*} headers)
     */
    record Allow(HeaderEdits requestHeaders, HeaderEdits responseHeaders) implements Decision {
        public Allow {
            requireNonNull(requestHeaders, "requestHeaders");
            requireNonNull(responseHeaders, "responseHeaders");
        }
    }

    /**
     * Answer the client without forwarding.
     *
     * @param status 4xx or 5xx; or 3xx, a redirect (give a {@code Location} header), e.g. to a login page
     * @param headers response headers, e.g. {@code WWW-Authenticate}, {@code Retry-After}, {@code Location}
     * @param body response body (UTF-8)
     * @param reason why, for the gateway's log; never sent to the client
     */
    record Deny(int status, List<HeaderValue> headers, String body, String reason) implements Decision {
        public Deny {
            if (status < 300 || status > 599) {
                throw new IllegalArgumentException("status: " + status + " (expected: 300-599)");
            }
            headers = List.copyOf(headers);
            body = body == null ? "" : body;
            reason = reason == null ? "" : reason;
        }
    }

    /** A denial with a plain-text body. */
    static Deny deny(int status, String body, String reason) {
        return new Deny(status, List.of(), body, reason);
    }
}
