package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

/**
 * A host and port: the host is an IP literal or a DNS name (resolved asynchronously by the kernel,
 * never on an event loop).
 *
 * @param host IPv4, IPv6 (without brackets) or DNS name
 * @param port 0 to 65535 (0 only for listeners that ask for an ephemeral port)
 */
public record SocketAddress(String host, int port) {

    public SocketAddress {
        requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host: empty (expected: an IP address or name)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
        }
    }

    /**
     * Parses {@code host:port}, {@code [v6]:port} or {@code :port} (all interfaces).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static SocketAddress parse(String text) {
        requireNonNull(text, "text");
        String s = text.trim();
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("'" + text + "' has no port (expected: host:port)");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("'" + text + "': IPv6 hosts need brackets (expected: [::1]:8080)");
        }
        if (host.isEmpty()) {
            host = "0.0.0.0";
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has a bad port (expected: host:port)");
        }
        return new SocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
