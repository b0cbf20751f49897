package io.tidegate.kernel.engine;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.tidegate.kernel.runtime.RetryRules;
import java.util.Set;

/**
 * Whether a failed try is sent again, and after how long: the route's retry rules, the cluster's retry
 * budget, the upstream's {@code Retry-After}, and the once-more of a request that met a keep-alive race.
 * The handler schedules the next try. Stateless.
 */
final class Retries {

    /** RFC 9110 section 9.2.2: only these may be sent twice without the client asking. */
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD,
            HttpMethod.OPTIONS, HttpMethod.TRACE, HttpMethod.PUT, HttpMethod.DELETE);

    private Retries() {
    }

    /**
     * Starts a retry after a failed try when the route's rules say so, its body could be kept, tries are
     * left and the cluster's retry budget allows: the retry is counted and holds a place in the budget.
     * The wait is a jittered backoff, or the upstream's {@code Retry-After} when it fits in the request's time.
     *
     * @return the nanoseconds to wait before the next try; negative: no retry (the caller answers)
     */
    static long start(EngineContext engine, Exchange e, RetryRules.Failure failure, int status,
            HttpResponse response) {
        RetryRules rules = e.route.retries();
        if (rules == null || e.retries >= rules.attempts() || !e.replayable || !rules.retries(failure, status)) {
            return -1;
        }
        long wait = rules.backoffNanos(e.retries + 1);
        if (response != null) {
            long retryAfter = RetryAfter.nanos(response.headers().get(HttpHeaderNames.RETRY_AFTER));
            if (retryAfter > 0) {
                long timeout = e.route.requestTimeoutNanos();
                if (timeout > 0 && System.nanoTime() + retryAfter >= e.startNanos + timeout) {
                    return -1; // the upstream asks for more time than the request has: give it the answer
                }
                wait = Math.max(wait, retryAfter);
            }
        }
        if (e.retryInFlight) {
            e.cluster.retryEnded(); // this request's previous retry is over: its place is free for the next
            e.retryInFlight = false;
        }
        if (!e.cluster.tryStartRetry()) {
            engine.metrics().retryOverflow(e.cluster.name());
            if (e.cluster.breaker() != null && e.cluster.breaker().limits().maxRetries() > 0) {
                engine.metrics().overflow(e.cluster.name(), "maxRetries");
            }
            return -1;
        }
        e.retryInFlight = true;
        e.retries++;
        engine.metrics().retried(e.cluster.name());
        return wait;
    }

    /** The failed try counts for outlier detection: a gateway error, or the status the upstream answered. */
    static void tryFailed(EngineContext engine, Exchange e, int endpoint, RetryRules.Failure failure, int status) {
        boolean gatewayError = failure != RetryRules.Failure.STATUS;
        if (e.cluster.onRequestEnd(endpoint, gatewayError ? 0 : status, gatewayError)) {
            engine.metrics().outlierEjected(e.cluster.name());
        }
    }

    /**
     * Whether a request whose upstream failed before answering goes once more to a fresh connection: it
     * had no body, and it was idempotent and went out on a reused keep-alive connection (the upstream may
     * have closed the idle connection just as we sent), or the upstream refused its HTTP/2 stream unprocessed.
     */
    static boolean resendsOnFreshConnection(Exchange e, boolean refused) {
        return !e.responseStarted && !e.retried && e.requestDone && e.requestBodyBytes == 0
                && (refused || e.reusedConnection && IDEMPOTENT.contains(e.head.request().method()));
    }
}
