package io.tidegate.kernel.engine;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.tidegate.kernel.runtime.CompiledRoute;
import io.tidegate.spi.model.HeaderEdits;

/**
 * Turns the client's request head into the head sent upstream, in place: hop-by-hop headers out,
 * forwarding headers in, path and authority rewritten, route, destination and policy edits applied.
 * The forwarding headers are set from what this hop saw (ingress-nginx's default with
 * {@code use-forwarded-headers: false}); {@code X-Forwarded-For} is appended to.
 */
final class UpstreamRequests {

    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString X_FORWARDED_PORT = AsciiString.cached("x-forwarded-port");
    static final AsciiString X_REAL_IP = AsciiString.cached("x-real-ip");
    static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");

    private UpstreamRequests() {
    }

    static void prepare(RequestHead head, CompiledRoute route, int destination, DownstreamConnection connection,
                        HeaderEdits policyEdits) {
        HttpRequest request = head.request();
        HttpHeaders headers = request.headers();
        // gRPC needs "te: trailers" (RFC 9113 8.2.2 allows exactly that TE); an HTTP/1.1 hop gets no TE.
        io.tidegate.kernel.runtime.ClusterRuntime cluster = destination >= 0 ? route.cluster(destination) : null;
        boolean teTrailers = cluster != null && UpstreamChannels.isHttp2(cluster)
                && headers.containsValue(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS, true);
        HopByHop.strip(headers);
        if (teTrailers) {
            headers.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
        }
        headers.remove(HttpHeaderNames.EXPECT); // answered by the gateway itself
        request.setProtocolVersion(HttpVersion.HTTP_1_1);

        String path = route.rewriter().apply(head.path());
        request.setUri(head.rawQuery().isEmpty() ? path : path + "?" + head.rawQuery());

        String authority = route.authorityRewrite();
        if (authority != null) {
            headers.set(HttpHeaderNames.HOST, authority);
        } else if (head.isProxyRequest() || !headers.contains(HttpHeaderNames.HOST)) {
            headers.set(HttpHeaderNames.HOST, head.authority()); // absolute-form target wins (RFC 9112 3.2.2)
        }

        String clientIp = connection.clientIp();
        String prior = headers.get(X_FORWARDED_FOR);
        headers.set(X_FORWARDED_FOR, prior == null || prior.isBlank() ? clientIp : prior + ", " + clientIp);
        headers.set(X_REAL_IP, clientIp);
        headers.set(X_FORWARDED_PROTO, head.scheme());
        headers.set(X_FORWARDED_HOST, head.authority());
        headers.set(X_FORWARDED_PORT, connection.localPort());
        headers.set(X_REQUEST_ID, head.requestId());

        HeaderEditor.apply(route.requestHeaders(), headers);
        HeaderEditor.apply(route.destination(destination).requestHeaders(), headers);
        HeaderEditor.apply(policyEdits, headers);
    }
}
