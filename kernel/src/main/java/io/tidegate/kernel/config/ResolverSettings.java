package io.tidegate.kernel.config;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * The DNS resolver of {@code engine.resolver}: one configuration for upstream connections, health checks,
 * the forward proxy and the plugins' {@code DnsResolver}.
 *
 * @param servers name servers asked in order (the next on timeout); empty: the system's {@code /etc/resolv.conf}
 * @param minTtl cached answers live at least this long, whatever their TTL says
 * @param maxTtl cached answers live at most this long (nginx's {@code resolver ... valid=}); it bounds how late
 *               a changed record is followed
 * @param negativeTtl how long a failed lookup (NXDOMAIN, no record) is remembered; zero: not cached
 * @param timeout one query's timeout
 * @param searchDomains domains appended to names with fewer than {@code ndots} dots; null: the system's
 * @param ndots see {@code searchDomains}; -1: the system's
 */
public record ResolverSettings(List<InetSocketAddress> servers, Duration minTtl, Duration maxTtl,
                               Duration negativeTtl, Duration timeout, List<String> searchDomains, int ndots) {

    /** Netty's cache counts whole seconds; about 68 years, i.e. "whatever the record says". */
    public static final Duration UNBOUNDED_TTL = Duration.ofSeconds(Integer.MAX_VALUE);

    /** The system's name servers and search list, record TTLs honoured, no negative caching, 5 s queries. */
    public static final ResolverSettings SYSTEM = new ResolverSettings(List.of(), Duration.ZERO, UNBOUNDED_TTL,
            Duration.ZERO, Duration.ofSeconds(5), null, -1);

    public ResolverSettings {
        servers = List.copyOf(servers);
        requireNonNull(minTtl, "minTtl");
        requireNonNull(maxTtl, "maxTtl");
        requireNonNull(negativeTtl, "negativeTtl");
        requireNonNull(timeout, "timeout");
        searchDomains = searchDomains == null ? null : List.copyOf(searchDomains);
        if (minTtl.compareTo(maxTtl) > 0) {
            throw new IllegalArgumentException("minTtl: " + minTtl + " (expected: <= maxTtl " + maxTtl + ")");
        }
    }

    /** The same settings asking only {@code server} (tests: a local DNS server), with an empty search list. */
    public ResolverSettings withServer(InetSocketAddress server) {
        return new ResolverSettings(List.of(server), minTtl, maxTtl, negativeTtl, timeout, List.of(), 1);
    }

    /** The same settings with other TTL bounds. */
    public ResolverSettings withTtl(Duration min, Duration max, Duration negative) {
        return new ResolverSettings(servers, min, max, negative, timeout, searchDomains, ndots);
    }
}
