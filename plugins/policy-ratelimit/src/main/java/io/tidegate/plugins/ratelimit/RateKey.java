package io.tidegate.plugins.ratelimit;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.policy.RequestView;
import io.tidegate.spi.policy.RouteView;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a bucket is keyed by: one part or several of {@code client-ip}, {@code header:NAME},
 * {@code claim:NAME} (a claim of the JWT in header {@code jwtHeader}, verified by the authentication
 * policy that runs before) and {@code route}. A one-part key is the part's own object (the peer's {@code InetAddress}, the header's
 * {@code String}): extracting it allocates nothing.
 */
final class RateKey {

    private sealed interface Part permits ClientIp, Header, Claim, RouteName {
        Object extract(RequestView request, ClientAddress client);
    }

    /** The client address; IPv6 addresses cut to {@code ipv6Prefix} bits (a /64 is one subscriber). */
    private record ClientIp(int ipv6Prefix) implements Part {
        @Override
        public Object extract(RequestView request, ClientAddress client) {
            InetAddress a = client.of(request);
            if (ipv6Prefix >= 128 || !(a instanceof Inet6Address)) {
                return a;
            }
            byte[] bytes = a.getAddress();
            for (int bit = ipv6Prefix; bit < 128; bit++) {
                bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
            }
            try {
                return InetAddress.getByAddress(bytes);
            } catch (java.net.UnknownHostException impossible) {
                return a;
            }
        }
    }

    private record Header(String name) implements Part {
        @Override
        public Object extract(RequestView request, ClientAddress client) {
            return request.header(name);
        }
    }

    /** A claim of the (already verified) JWT in header {@code header}. */
    private record Claim(String header, String claim) implements Part {
        @Override
        public Object extract(RequestView request, ClientAddress client) {
            return JwtClaims.claim(request.header(header), claim);
        }
    }

    private record RouteName() implements Part {
        @Override
        public Object extract(RequestView request, ClientAddress client) {
            RouteView route = request.route();
            return route == null ? null : route.name();
        }
    }

    private final Part[] parts;
    private final String spec;

    private RateKey(Part[] parts, String spec) {
        this.parts = parts;
        this.spec = spec;
    }

    /** Parses the {@code key} list (a single part is accepted as a string). */
    static RateKey parse(ConfigNode node, String jwtHeader, int ipv6Prefix) {
        List<ConfigNode> items = node.isNull() ? List.of() : node.isScalar() ? List.of(node) : node.items();
        if (items.isEmpty()) {
            return parse(List.of("client-ip"), jwtHeader, ipv6Prefix, List.of(node));
        }
        List<String> texts = new ArrayList<>();
        for (ConfigNode item : items) {
            texts.add(item.asString().trim());
        }
        return parse(texts, jwtHeader, ipv6Prefix, items);
    }

    private static RateKey parse(List<String> texts, String jwtHeader, int ipv6Prefix,
                                 List<ConfigNode> nodes) {
        Part[] parts = new Part[texts.size()];
        for (int i = 0; i < parts.length; i++) {
            String t = texts.get(i);
            String lower = t.toLowerCase(Locale.ROOT);
            if (lower.equals("client-ip")) {
                parts[i] = new ClientIp(ipv6Prefix);
            } else if (lower.equals("route")) {
                parts[i] = new RouteName();
            } else if (lower.startsWith("header:") && t.length() > 7 && isToken(t.substring(7))) {
                parts[i] = new Header(t.substring(7).toLowerCase(Locale.ROOT));
            } else if (lower.startsWith("claim:") && isClaimName(t.substring(6))) {
                parts[i] = new Claim(jwtHeader, t.substring(6));
            } else {
                throw nodes.get(i).error("'" + t + "' is not a key part (expected: client-ip, route, header:NAME, claim:NAME)");
            }
        }
        String spec = String.join(",", texts) + (ipv6Prefix < 128 ? ";v6/" + ipv6Prefix : "")
                + (texts.stream().anyMatch(t -> t.toLowerCase(Locale.ROOT).startsWith("claim:")) ? ";jwt=" + jwtHeader : "");
        return new RateKey(parts, spec);
    }

    private static boolean isClaimName(String s) {
        return !s.isBlank() && s.strip().equals(s);
    }

    private static boolean isToken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 128) && "!#$%&'*+-.^_`|~".indexOf(c) < 0) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    /** The key of {@code request}, or null when a part is missing (no such header, no route). */
    Object extract(RequestView request, ClientAddress client) {
        if (parts.length == 1) {
            return parts[0].extract(request, client);
        }
        StringBuilder sb = new StringBuilder(64);
        for (int i = 0; i < parts.length; i++) {
            Object v = parts[i].extract(request, client);
            if (v == null) {
                return null;
            }
            if (i > 0) {
                sb.append('\n'); // cannot occur in a header value, a route name or an address
            }
            sb.append(v instanceof InetAddress a ? a.getHostAddress() : v.toString());
        }
        return sb.toString();
    }

    /** The key as text (for Redis). */
    static String text(Object key) {
        return key instanceof InetAddress a ? a.getHostAddress() : key.toString();
    }

    /** The parts as configured, e.g. {@code client-ip,route}. */
    String spec() {
        return spec;
    }
}
