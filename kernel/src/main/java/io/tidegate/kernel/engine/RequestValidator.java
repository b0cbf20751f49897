package io.tidegate.kernel.engine;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.List;

/**
 * The RFC 9112 / RFC 9110 checks a request head must pass before anything is forwarded. Pure: a
 * request in, a {@link Rejection} or null out. What Netty's decoder already rejects (bad framing,
 * Content-Length with Transfer-Encoding, chunked not last or repeated, Transfer-Encoding on HTTP/1.0,
 * whitespace before a colon, invalid header characters) arrives here as a decoder failure.
 */
final class RequestValidator {

    private RequestValidator() {
    }

    static Rejection validate(HttpRequest request) {
        return validate(request, false);
    }

    /** With {@code connectAllowed} (forward-proxy listeners), CONNECT passes to the tunnel path. */
    static Rejection validate(HttpRequest request, boolean connectAllowed) {
        DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            return decoderFailure(result.cause());
        }
        HttpHeaders headers = request.headers();
        List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            return Rejection.badRequest("more than one Host header");
        }
        if (hosts.isEmpty() && request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            return Rejection.badRequest("missing Host header");
        }
        if (!hosts.isEmpty() && !Authority.isValid(hosts.get(0))) {
            return Rejection.badRequest("invalid Host header");
        }
        Rejection te = transferCodings(headers);
        if (te != null) {
            return te;
        }
        String expect = headers.get(HttpHeaderNames.EXPECT);
        if (expect != null && !expect.trim().equalsIgnoreCase("100-continue")) {
            return new Rejection(HttpResponseStatus.EXPECTATION_FAILED, "unsupported expectation", "DPE");
        }
        if (HttpMethod.CONNECT.equals(request.method()) && !connectAllowed) {
            // No Allow header: which methods a route takes is the upstream's business, not the listener's.
            return new Rejection(HttpResponseStatus.METHOD_NOT_ALLOWED, "CONNECT is not allowed on this listener",
                    "DPE");
        }
        return null;
    }

    private static Rejection decoderFailure(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return new Rejection(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long", "DPE");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return new Rejection(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large",
                    "DPE");
        }
        if (cause instanceof StrictRequestDecoder.RequestHeadTimeoutException) {
            return new Rejection(HttpResponseStatus.REQUEST_TIMEOUT, "request headers timeout", null);
        }
        if (cause instanceof ObsFoldException) {
            return Rejection.badRequest("obsolete line folding in headers");
        }
        return Rejection.badRequest("malformed request");
    }

    /**
     * Netty guarantees chunked is present, final and not repeated whenever Transfer-Encoding reaches
     * us. Any other coding we cannot decode for the upstream: 501, as nginx does (RFC 9112 section 6.1).
     */
    private static Rejection transferCodings(HttpHeaders headers) {
        List<String> values = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        for (String value : values) {
            for (String coding : value.split(",")) {
                String c = coding.trim();
                if (!c.isEmpty() && !c.equalsIgnoreCase("chunked")) {
                    return new Rejection(HttpResponseStatus.NOT_IMPLEMENTED,
                            "transfer coding not implemented", "DPE");
                }
            }
        }
        return null;
    }
}
