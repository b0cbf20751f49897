package io.tidegate.kernel.engine;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Why a request is answered by the gateway without forwarding.
 *
 * @param status the status sent
 * @param message the short body, and the access-log detail
 * @param flag Envoy-style response flag for the access log (e.g. {@code DPE} downstream protocol error)
 */
record Rejection(HttpResponseStatus status, String message, String flag) {

    static Rejection badRequest(String message) {
        return new Rejection(HttpResponseStatus.BAD_REQUEST, message, "DPE");
    }
}
