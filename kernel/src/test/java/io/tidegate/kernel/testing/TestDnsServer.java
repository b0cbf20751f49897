package io.tidegate.kernel.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real UDP DNS server on loopback port 0, standing in for the site's DNS server (the one in
 * {@code /etc/resolv.conf}, or {@code engine.resolver.servers}). It answers from a mutable table of
 * names to one IPv4 address with a chosen TTL: an A query for a known name gets that record, an AAAA
 * query for a known name gets an empty NOERROR answer (the name exists, it has no IPv6 address), and
 * any query for an unknown name gets NXDOMAIN. It counts A queries per name, so a test can see when
 * the gateway asked again (its cache expired) instead of sleeping.
 */
public final class TestDnsServer implements AutoCloseable {

    private record Answer(List<byte[]> ipv4, long ttlSeconds) {
    }

    private final Map<String, Answer> table = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> aQueries = new ConcurrentHashMap<>();
    private final AtomicInteger queries = new AtomicInteger();
    private final EventLoopGroup group;
    private final Channel channel;

    private TestDnsServer() throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        channel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(),
                                new Responder());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    public static TestDnsServer start() throws InterruptedException {
        return new TestDnsServer();
    }

    /** Where to send queries ({@code engine.resolver.servers}). */
    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** From now on {@code name} has the A record {@code ipv4} with {@code ttlSeconds}. */
    public void set(String name, String ipv4, long ttlSeconds) {
        set(name, List.of(ipv4), ttlSeconds);
    }

    /** From now on {@code name} has one A record per address of {@code ipv4s}, each with {@code ttlSeconds}. */
    public void set(String name, List<String> ipv4s, long ttlSeconds) {
        List<byte[]> addresses = new java.util.ArrayList<>();
        for (String ipv4 : ipv4s) {
            try {
                byte[] bytes = InetAddress.getByName(ipv4).getAddress(); // a literal: no lookup
                if (bytes.length != 4) {
                    throw new IllegalArgumentException("ipv4: " + ipv4 + " (expected: an IPv4 literal)");
                }
                addresses.add(bytes);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("ipv4: " + ipv4 + " (expected: an IPv4 literal)", e);
            }
        }
        table.put(key(name), new Answer(List.copyOf(addresses), ttlSeconds));
    }

    /** From now on {@code name} does not exist (NXDOMAIN). */
    public void remove(String name) {
        table.remove(key(name));
    }

    /** A queries received for {@code name} so far. */
    public int aQueries(String name) {
        AtomicInteger n = aQueries.get(key(name));
        return n == null ? 0 : n.get();
    }

    /** Queries of any type and name received so far. */
    public int queries() {
        return queries.get();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static String key(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n : n + ".";
    }

    private final class Responder extends SimpleChannelInboundHandler<DatagramDnsQuery> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
            queries.incrementAndGet();
            DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
            response.setRecursionDesired(query.isRecursionDesired()).setRecursionAvailable(true);
            DnsQuestion question = query.recordAt(DnsSection.QUESTION);
            if (question == null) {
                response.setCode(DnsResponseCode.FORMERR);
                ctx.writeAndFlush(response);
                return;
            }
            String name = key(question.name());
            response.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(question.name(), question.type()));
            if (question.type() == DnsRecordType.A) {
                aQueries.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
            }
            Answer answer = table.get(name);
            if (answer == null) {
                response.setCode(DnsResponseCode.NXDOMAIN);
            } else if (question.type() == DnsRecordType.A) {
                response.setAuthoritativeAnswer(true);
                for (byte[] ipv4 : answer.ipv4()) {
                    response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), DnsRecordType.A,
                            answer.ttlSeconds(), Unpooled.wrappedBuffer(ipv4)));
                }
            } // else: the name exists without a record of that type: an empty NOERROR answer
            ctx.writeAndFlush(response);
        }
    }
}
