package io.tidegate.kernel.engine;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Which protocol upgrades the gateway carries: WebSocket only (RFC 6455 section 4.1: a {@code GET}
 * over HTTP/1.1 with {@code Upgrade: websocket} and {@code Connection: upgrade}). Other upgrades,
 * {@code h2c} above all, are not honoured: their {@code Upgrade} header is removed as hop-by-hop and
 * the request goes on as plain HTTP/1.1.
 */
final class Upgrades {

    static final String WEBSOCKET = "websocket";

    private Upgrades() {
    }

    /** The {@code Upgrade} value to forward, or null when the request asks for no upgrade we carry. */
    static String requested(HttpRequest request) {
        if (!HttpMethod.GET.equals(request.method()) || !HttpVersion.HTTP_1_1.equals(request.protocolVersion())) {
            return null;
        }
        HttpHeaders h = request.headers();
        String upgrade = h.get(HttpHeaderNames.UPGRADE);
        if (upgrade == null || !hasToken(upgrade, WEBSOCKET) || !hasToken(h.getAll(HttpHeaderNames.CONNECTION), "upgrade")) {
            return null;
        }
        return WEBSOCKET;
    }

    /** Whether the upstream's 101 switched to the protocol asked for. */
    static boolean accepted(HttpResponse response, String asked) {
        String upgrade = response.headers().get(HttpHeaderNames.UPGRADE);
        return upgrade != null && hasToken(upgrade, asked);
    }

    private static boolean hasToken(Iterable<String> values, String token) {
        for (String v : values) {
            if (hasToken(v, token)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasToken(String value, String token) {
        for (String part : value.split(",")) {
            if (part.trim().equalsIgnoreCase(token)) {
                return true;
            }
        }
        return false;
    }
}
