package io.tidegate.plugins.egress;

import java.util.Locale;

/**
 * What a rule's {@code protocols} name. The gateway sees plain HTTP requests ({@code http}); it does not
 * see inside a CONNECT tunnel or a passthrough TLS stream, so {@code https}, {@code tls} and
 * {@code tcp} all admit CONNECT tunnels and differ only for listeners this build does not serve yet
 * ({@code https}/{@code tls}: tls-passthrough; {@code tcp}: tcp listeners).
 */
enum Protocol {
    HTTP, HTTPS, TLS, TCP;

    static Protocol parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' (expected one of: http, https, tls, tcp)");
        }
    }

    /** Whether a rule naming this protocol admits traffic of {@code kind}. */
    boolean admits(Traffic kind) {
        return switch (kind) {
            case HTTP -> this == HTTP;
            case TUNNEL -> this != HTTP;
            case TLS_PASSTHROUGH -> this == HTTPS || this == TLS;
        };
    }

    /** What the gateway knows a request carries. */
    enum Traffic {
        /** A request the gateway reads: absolute-form through the proxy, or on an egress route. */
        HTTP,
        /** A CONNECT tunnel: opaque bytes to host:port. */
        TUNNEL,
        /** A TLS connection routed by SNI without termination. */
        TLS_PASSTHROUGH
    }
}
