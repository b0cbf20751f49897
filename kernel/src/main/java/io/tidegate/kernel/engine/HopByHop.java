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
    private static final int CONNECTION = 1;
    private static final int KEEP_ALIVE = 2;
    private static final int PROXY = 4;
    private static final int TE = 8;
    private static final int UPGRADE = 16;

    private HopByHop() {
    }

    /**
     * One pass over the headers finds which hop-by-hop ones are there; only those are removed. Most messages
     * carry one (a keep-alive response's {@code Connection}) or none, so this is a few length checks per header
     * rather than five hashed removals per message.
     */
    static void strip(HttpHeaders headers) {
        int found = 0;
        String connection = null;
        List<String> moreConnection = null;
        for (java.util.Iterator<java.util.Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
             it.hasNext(); ) {
            java.util.Map.Entry<CharSequence, CharSequence> header = it.next();
            int kind = kind(header.getKey());
            found |= kind;
            if (kind == CONNECTION) {
                String value = header.getValue().toString();
                if (connection == null) {
                    connection = value;
                } else {
                    if (moreConnection == null) {
                        moreConnection = new java.util.ArrayList<>(2);
                    }
                    moreConnection.add(value);
                }
            }
        }
        if (found == 0) {
            return;
        }
        if (connection != null) {
            removeNamed(headers, connection);
            if (moreConnection != null) {
                for (String value : moreConnection) {
                    removeNamed(headers, value);
                }
            }
            headers.remove(HttpHeaderNames.CONNECTION);
        }
        if ((found & KEEP_ALIVE) != 0) {
            headers.remove(HttpHeaderNames.KEEP_ALIVE);
        }
        if ((found & PROXY) != 0) {
            headers.remove(PROXY_CONNECTION);
        }
        if ((found & TE) != 0) {
            headers.remove(HttpHeaderNames.TE);
        }
        if ((found & UPGRADE) != 0) {
            headers.remove(HttpHeaderNames.UPGRADE);
        }
    }

    /** Removes the headers a {@code Connection} value names (a comma-separated token list), except protected ones. */
    private static void removeNamed(HttpHeaders headers, String value) {
        int n = value.length();
        int i = 0;
        while (i < n) {
            int comma = value.indexOf(',', i);
            int end = comma < 0 ? n : comma;
            String name = value.substring(i, end).trim();
            if (!name.isEmpty() && !isProtected(name)) {
                headers.remove(name);
            }
            i = end + 1;
        }
    }

    private static boolean isProtected(String name) {
        // The common tokens first, without lower-casing.
        if (name.equalsIgnoreCase("keep-alive") || name.equalsIgnoreCase("close")) {
            return true;
        }
        return PROTECTED.contains(name.toLowerCase(java.util.Locale.ROOT));
    }

    private static int kind(CharSequence name) {
        switch (name.length()) {
            case 2:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TE) ? TE : 0;
            case 7:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.UPGRADE) ? UPGRADE : 0;
            case 10:
                if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION)) {
                    return CONNECTION;
                }
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.KEEP_ALIVE) ? KEEP_ALIVE : 0;
            case 16:
                return AsciiString.contentEqualsIgnoreCase(name, PROXY_CONNECTION) ? PROXY : 0;
            default:
                return 0;
        }
    }
}
