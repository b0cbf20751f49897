package io.tidegate.kernel.engine;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The bookkeeping of an exchange: its request id and trace context when it starts; at its end, the cluster
 * hears how its endpoint did (least-request counts, outlier detection), the breaker and retry budget get
 * their places back, and the request is counted, traced and logged. Stateless, so an HTTP/2 stream (one
 * handler per request) allocates nothing for it.
 */
final class ExchangeLog {

    /** The handler's logger: these lines were always its own, and log configuration names it. */
    private static final System.Logger LOG = System.getLogger(ProxyFrontendHandler.class.getName());

    private ExchangeLog() {
    }

    /** What the log and the trace take from a new exchange's request: its id, trace context, client headers. */
    static void started(EngineContext engine, Exchange e, HttpRequest request) {
        String id = request.headers().get(UpstreamRequests.X_REQUEST_ID);
        e.head.requestId(RequestIds.isAcceptable(id) ? id : RequestIds.next());
        e.trace = ExchangeTracing.start(engine.tracer(), request.headers());
        if (engine.accessLog().logsClientHeaders()) {
            e.userAgent = request.headers().get(HttpHeaderNames.USER_AGENT);
            e.forwardedFor = request.headers().get(UpstreamRequests.X_FORWARDED_FOR);
        }
    }

    /**
     * Everything that ends with the exchange, in this order: the breaker's and retry budget's places,
     * the endpoint's outcome, the policies' end hook, metrics, the span and the access log line.
     */
    static void ended(EngineContext engine, Exchange e, DownstreamConnection connection, String protocol) {
        if (e.breakerRequest) {
            e.cluster.breaker().requestEnded();
        }
        if (e.cluster != null && e.endpointIndex >= 0) {
            recordOutcome(engine, e);
        }
        if (e.retryInFlight) {
            e.cluster.retryEnded();
        }
        e.policyCompletions.ended(e.head); // before the request stops counting as active, and before the next one
        long duration = System.nanoTime() - e.startNanos;
        String routeName = e.route == null ? null : e.route.name();
        engine.metrics().requestEnded(routeName, e.clusterName(), e.status, duration);
        RequestHead h = e.head;
        ExchangeTracing.end(engine.tracer(), e, connection, protocol);
        if (engine.accessLog().enabled()) {
            engine.accessLog().log(new AccessLog.Entry(e.startMillis, connection.clientIp(), h.method(),
                    h.authority(), truncate(h.originalUri()), e.status, e.bytesSent, e.requestBodyBytes,
                    e.upstreamAddress(), duration / 1000, routeName, h.requestId(), logFlag(e.flag, e.retries),
                    e.reason, protocol, AccessLog.Extras.of(e.trace == null ? null : e.trace.traceIdHex(),
                            e.userAgent, e.forwardedFor, e.upstreamServiceMillis)));
        }
    }

    /** A request refused before it became an exchange (it failed validation): counted and logged. */
    static void rejected(EngineContext engine, DownstreamConnection connection, HttpRequest request, int status,
            int bytesSent, String flag, String protocol) {
        String host = request.headers().get(HttpHeaderNames.HOST);
        engine.metrics().requestEnded(null, null, status, 0);
        engine.accessLog().log(new AccessLog.Entry(System.currentTimeMillis(), connection.clientIp(),
                request.method().name(), host == null ? "-" : host, truncate(request.uri()),
                status, bytesSent, 0, null, 0, null, null, flag, null, protocol));
    }

    /** An HTTP/2 stream refused before it became a request (a missing pseudo-header): still one line. */
    static void malformedStream(EngineContext engine, DownstreamConnection connection, String reason) {
        engine.accessLog().log(new AccessLog.Entry(System.currentTimeMillis(), connection.clientIp(), "-", "-",
                "-", 0, 0, 0, null, 0, null, null, "DPE", reason, AccessLog.HTTP_2));
    }

    /** The access log's protocol name of a request on an HTTP/2 stream or an HTTP/1.x connection. */
    static String protocol(boolean http2, boolean http10) {
        return http2 ? AccessLog.HTTP_2 : http10 ? AccessLog.HTTP_1_0 : AccessLog.HTTP_1_1;
    }

    /** The access log's flags: Envoy's {@code URX} joins a gateway error that retries could not mend. */
    static String logFlag(String flag, int retries) {
        return retries > 0 && flag != null && isGatewayError(flag) ? flag + ",URX" : flag;
    }

    /** The flags of a failure of the upstream (not of the client, not the gateway's own answer). */
    static boolean isGatewayError(String flag) {
        return "UF".equals(flag) || "UC".equals(flag) || "UT".equals(flag) || "UPE".equals(flag)
                || "DF".equals(flag);
    }

    static String truncate(String s) {
        return s.length() > 256 ? s.substring(0, 256) + "..." : s;
    }

    /** Tells the cluster how its endpoint did (least-request counts, outlier detection). */
    private static void recordOutcome(EngineContext engine, Exchange e) {
        String flag = e.flag;
        if ("DC".equals(flag) || "UO".equals(flag)) { // UO: the gateway's own 503, the endpoint was never asked
            e.cluster.onRequestEnd(e.endpointIndex, 0, false); // the client left: says nothing of the upstream
            return;
        }
        boolean gatewayError = isGatewayError(flag);
        if (e.cluster.onRequestEnd(e.endpointIndex, gatewayError ? 0 : e.status, gatewayError)) {
            engine.metrics().outlierEjected(e.cluster.name());
            LOG.log(System.Logger.Level.WARNING, "outlier detection ejected " + e.cluster.endpoint(e.endpointIndex)
                    .address() + " of cluster " + e.cluster.name());
        }
    }
}
