package io.tidegate.plugins.ratelimit;

import io.tidegate.spi.policy.ConnectionView;
import io.tidegate.spi.policy.RequestView;
import java.net.InetAddress;
import java.util.List;

/**
 * Who the client is: the socket peer, unless the peer is a trusted proxy, in which case
 * {@code X-Forwarded-For} is read from the right, skipping trusted proxies, and the first address
 * that is not one is the client (the rightmost untrusted hop: the only one no client can forge).
 * Shared by {@code rate-limit} and {@code ip-access}, so both agree on the client.
 */
final class ClientAddress {

    private final CidrSet trustedProxies;

    ClientAddress(CidrSet trustedProxies) {
        this.trustedProxies = trustedProxies;
    }

    boolean trustsAnyProxy() {
        return !trustedProxies.isEmpty();
    }

    /** Whether {@code peer} is a trusted proxy (so the connection alone does not tell the client). */
    boolean isTrustedProxy(InetAddress peer) {
        return trustedProxies.contains(peer);
    }

    /** The peer address of a connection. */
    static InetAddress peer(ConnectionView connection) {
        return connection.remoteAddress().getAddress();
    }

    /** The client of a request. Never null. Allocates only when the peer is a trusted proxy. */
    InetAddress of(RequestView request) {
        InetAddress peer = peer(request.connection());
        if (trustedProxies.isEmpty() || !trustedProxies.contains(peer)) {
            return peer;
        }
        List<String> values = request.headers("x-forwarded-for");
        InetAddress leftmost = peer;
        for (int v = values.size() - 1; v >= 0; v--) {
            String value = values.get(v);
            int end = value.length();
            while (end > 0) {
                int comma = value.lastIndexOf(',', end - 1);
                String hop = value.substring(comma + 1, end).trim();
                end = comma < 0 ? 0 : comma;
                if (hop.isEmpty()) {
                    continue;
                }
                InetAddress address = IpAddresses.parse(stripPort(hop));
                if (address == null) {
                    // Garbage in the chain: the hop before it (a trusted proxy) is the best we know.
                    return leftmost;
                }
                if (!trustedProxies.contains(address)) {
                    return address;
                }
                leftmost = address;
            }
        }
        return leftmost;
    }

    /** {@code 192.0.2.1:1234} or {@code [2001:db8::1]:1234} as some proxies write them. */
    private static String stripPort(String hop) {
        if (hop.startsWith("[")) {
            int close = hop.indexOf(']');
            return close > 0 ? hop.substring(1, close) : hop;
        }
        int colon = hop.indexOf(':');
        if (colon > 0 && hop.indexOf(':', colon + 1) < 0) {
            return hop.substring(0, colon);
        }
        return hop;
    }
}
