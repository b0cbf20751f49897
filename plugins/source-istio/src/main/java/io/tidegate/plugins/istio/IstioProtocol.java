package io.tidegate.plugins.istio;

import java.util.Locale;

/**
 * Istio's port protocols ({@code pkg/config/protocol}) and what each means for a gateway: which Gateway
 * servers are HTTP, TCP or TLS, and which upstream ports speak HTTP/2.
 */
enum IstioProtocol {
    HTTP, HTTPS, HTTP2, GRPC, GRPC_WEB, TCP, TLS, MONGO, MYSQL, REDIS, UDP;

    /** The protocol of a Gateway server or ServiceEntry port ({@code HTTP}, {@code GRPC-WEB}, ...), or null. */
    static IstioProtocol parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (IstioProtocol p : values()) {
            if (p.name().equals(n)) {
                return p;
            }
        }
        return null;
    }

    /**
     * The protocol of a Kubernetes Service port, as Istio selects it: {@code appProtocol} first
     * ({@code kubernetes.io/h2c} is HTTP/2, {@code kubernetes.io/ws} and {@code wss} are HTTP), then the
     * port name {@code <protocol>[-<suffix>]}; anything else is HTTP here (Istio would sniff it).
     */
    static IstioProtocol ofServicePort(String appProtocol, String portName) {
        if (appProtocol != null && !appProtocol.isBlank()) {
            String a = appProtocol.trim().toLowerCase(Locale.ROOT);
            switch (a) {
                case "kubernetes.io/h2c" -> {
                    return HTTP2;
                }
                case "kubernetes.io/ws" -> {
                    return HTTP;
                }
                case "kubernetes.io/wss" -> {
                    return HTTPS;
                }
                default -> {
                    IstioProtocol p = parse(a);
                    if (p != null) {
                        return p;
                    }
                }
            }
        }
        if (portName != null && !portName.isEmpty()) {
            int dash = portName.indexOf('-');
            IstioProtocol p = parse(dash < 0 ? portName : portName.substring(0, dash));
            if (p != null) {
                return p;
            }
        }
        return HTTP;
    }

    /** Istio's {@code IsHTTP2}: the upstream speaks HTTP/2 (gRPC is HTTP/2). */
    boolean isHttp2() {
        return this == HTTP2 || this == GRPC || this == GRPC_WEB;
    }

    /** Requests Tidegate forwards as HTTP: HTTP/1.1 unless HTTP/2 or upgraded; HTTPS when a DR originates TLS. */
    boolean isHttp() {
        return this == HTTP || this == HTTPS || isHttp2();
    }

    /** Istio's opaque TCP protocols: a Gateway server of one of these proxies bytes ({@code tcp} routes). */
    boolean isTcp() {
        return this == TCP || this == MONGO || this == MYSQL || this == REDIS;
    }

    /** The name Istio writes ({@code GRPC-WEB}). */
    String label() {
        return name().replace('_', '-');
    }
}
