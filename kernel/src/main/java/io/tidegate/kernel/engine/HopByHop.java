package io.tidegate.kernel.engine;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * Removes connection-specific headers (RFC 9110 section 7.6.1): {@code Connection} and every header
 * it names, plus the classic hop-by-hop set. Transfer-Encoding is left to the framing code, which
 * re-frames bodies for the next hop.
 *
 * <p>A client must not be able to strip the message's framing or its Host by naming them in
 * {@code Connection}: a body forwarded without its Content-Length would be read upstream as the next
 * request (request smuggling). Those names are ignored there.
 */
final class HopByHop {

    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final java.util.Set<String> PROTECTED = java.util.Set.of("close", "keep-alive", "content-length",
            "transfer-encoding", "host");

    private HopByHop() {
    }

    static void strip(HttpHeaders headers) {
        List<String> connection = headers.getAll(HttpHeaderNames.CONNECTION);
        for (String value : connection) {
            for (String token : value.split(",")) {
                String name = token.trim();
                if (!name.isEmpty() && !PROTECTED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                    headers.remove(name);
                }
            }
        }
        headers.remove(HttpHeaderNames.CONNECTION);
        headers.remove(HttpHeaderNames.KEEP_ALIVE);
        headers.remove(PROXY_CONNECTION);
        headers.remove(HttpHeaderNames.TE);
        headers.remove(HttpHeaderNames.UPGRADE);
    }
}
