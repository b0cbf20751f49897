package io.tidegate.kernel.dns;

import static java.util.Objects.requireNonNull;

import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.dns.RoundRobinDnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.tidegate.kernel.config.ResolverSettings;
import java.net.InetSocketAddress;

/**
 * Builds Netty's asynchronous DNS resolvers from {@link ResolverSettings}, so that the engine (upstream
 * connections, health checks, the forward proxy) and the plugins' {@code DnsResolver} ask the same servers
 * and cache the same way. Lookups never block: the hosts file is read first, then the name servers are
 * asked over UDP (TCP when an answer is truncated) on the caller's event loop.
 */
public final class DnsResolvers {

    private final ResolverSettings settings;
    private final Class<? extends DatagramChannel> udp;
    private final Class<? extends SocketChannel> tcp;

    /**
     * @param udp the datagram channel type matching the event loops' transport
     * @param tcp the socket channel type of that transport: a truncated UDP answer is asked again over TCP
     */
    public DnsResolvers(ResolverSettings settings, Class<? extends DatagramChannel> udp,
                        Class<? extends SocketChannel> tcp) {
        this.settings = requireNonNull(settings, "settings");
        this.udp = requireNonNull(udp, "udp");
        this.tcp = requireNonNull(tcp, "tcp");
    }

    /**
     * One resolver (and one cache) per event loop, for a {@code Bootstrap}. A name with several A records
     * spreads new connections over them (a random pick per connection, as nginx rotates over a name's
     * addresses), instead of sending every connection to the first.
     */
    public AddressResolverGroup<InetSocketAddress> addressResolverGroup() {
        return new RoundRobinDnsAddressResolverGroup(builder());
    }

    /** A resolver on {@code loop}; close it when done. */
    public DnsNameResolver nameResolver(EventLoop loop) {
        return builder().eventLoop(loop).build();
    }

    private DnsNameResolverBuilder builder() {
        DnsNameResolverBuilder b = new DnsNameResolverBuilder()
                .datagramChannelType(udp)
                .socketChannelType(tcp)
                .nameServerProvider(settings.servers().isEmpty() ? DnsServerAddressStreamProviders.platformDefault()
                        : new SequentialDnsServerAddressStreamProvider(settings.servers()))
                .ttl(seconds(settings.minTtl()), seconds(settings.maxTtl()))
                .negativeTtl(seconds(settings.negativeTtl()))
                .queryTimeoutMillis(settings.timeout().toMillis());
        if (settings.searchDomains() != null) {
            b.searchDomains(settings.searchDomains());
        }
        if (settings.ndots() >= 0) {
            b.ndots(settings.ndots());
        }
        return b;
    }

    private static int seconds(java.time.Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toSeconds());
    }
}
