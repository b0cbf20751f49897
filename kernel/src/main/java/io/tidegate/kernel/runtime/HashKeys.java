package io.tidegate.kernel.runtime;

import io.tidegate.spi.model.HashPolicy;
import io.tidegate.spi.policy.RequestView;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * What a consistent-hash cluster hashes, read from a request: the value of the first
 * {@link HashPolicy} that yields one (a header, a cookie, the client's IP, a query parameter).
 */
final class HashKeys {

    private final HashPolicy[] policies;
    /** The cookie policy that generates a cookie (session affinity), or null. */
    private final HashPolicy affinity;

    HashKeys(List<HashPolicy> policies) {
        this.policies = policies.toArray(new HashPolicy[0]);
        HashPolicy generating = null;
        for (HashPolicy p : this.policies) {
            if (p.kind() == HashPolicy.Kind.COOKIE && p.cookieTtl() != null) {
                generating = p;
                break;
            }
        }
        this.affinity = generating;
    }

    /** The key of the first policy that yields a value, or null (the request is then spread at random). */
    String key(RequestView request) {
        for (HashPolicy p : policies) {
            String value = switch (p.kind()) {
                case HEADER -> request.header(p.name());
                case COOKIE -> cookie(request, p.name());
                case QUERY_PARAMETER -> request.queryParam(p.name());
                case SOURCE_IP -> sourceIp(request);
            };
            if (value != null && !value.isEmpty()) {
                return value;
            }
        }
        return null;
    }

    /** The session-affinity cookie policy, or null when no policy generates a cookie. */
    HashPolicy affinity() {
        return affinity;
    }

    private static String sourceIp(RequestView request) {
        InetSocketAddress remote = request.connection().remoteAddress();
        return remote == null || remote.getAddress() == null ? null : remote.getAddress().getHostAddress();
    }

    /** The value of cookie {@code name} in the request's {@code Cookie} headers (RFC 6265 section 5.4), or null. */
    static String cookie(RequestView request, String name) {
        for (String header : request.headers("cookie")) {
            int i = 0;
            int n = header.length();
            while (i < n) {
                int end = header.indexOf(';', i);
                if (end < 0) {
                    end = n;
                }
                int eq = header.indexOf('=', i);
                if (eq > 0 && eq < end) {
                    int nameStart = skipSpaces(header, i, eq);
                    int nameEnd = trimEnd(header, nameStart, eq);
                    if (nameEnd - nameStart == name.length() && header.regionMatches(nameStart, name, 0, name.length())) {
                        int valueStart = skipSpaces(header, eq + 1, end);
                        int valueEnd = trimEnd(header, valueStart, end);
                        String value = header.substring(valueStart, valueEnd);
                        if (value.length() >= 2 && value.charAt(0) == '"' && value.charAt(value.length() - 1) == '"') {
                            value = value.substring(1, value.length() - 1);
                        }
                        return value;
                    }
                }
                i = end + 1;
            }
        }
        return null;
    }

    private static int skipSpaces(String s, int from, int to) {
        while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
            from++;
        }
        return from;
    }

    private static int trimEnd(String s, int from, int to) {
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
            to--;
        }
        return to;
    }
}
