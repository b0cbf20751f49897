package io.tidegate.kernel.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/2 server with prior knowledge (h2c) on loopback port 0, standing in for an HTTP/2 application
 * (Netty's frame codec, as a Go or Envoy server would frame it). It answers by {@code :path}:
 * <ul>
 *   <li>{@code /echo}: the response head at once, then every DATA frame back as it arrives; at the end the
 *       trailer {@code x-upstream-trailer: done} and each request trailer as {@code echo-NAME};</li>
 *   <li>{@code /hold}: the response head at once, the body {@code released} when {@link #releaseHeld()};</li>
 *   <li>{@code /silent}: nothing at all (counted by {@link #awaitHeld} as a held stream);</li>
 *   <li>{@code /refuse-once}: {@code RST_STREAM(REFUSED_STREAM)} the first time, then as any other path;</li>
 *   <li>anything else: once the request ends, 200 with the request headers as {@code name: value} lines.</li>
 * </ul>
 * It records every stream ({@link #nextStream()}): its headers, body, trailers, whether it ended or was reset, and
 * how many DATA frames it carried.
 */
public final class TestH2Upstream implements AutoCloseable {

    /** One request stream as the server saw it. */
    public record Seen(Map<String, String> headers, String body, Map<String, String> trailers, boolean ended,
                       long resetCode, int dataFrames) {
        public String header(String name) {
            return headers.get(name);
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final List<Channel> connections = new CopyOnWriteArrayList<>();
    private final AtomicInteger connectionCount = new AtomicInteger();
    private final AtomicInteger peakOpen = new AtomicInteger();
    private final java.util.Queue<Http2StreamChannel> held = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> holding = new LinkedBlockingQueue<>();
    private final AtomicInteger refusals = new AtomicInteger();

    private TestH2Upstream(long maxConcurrentStreams) throws InterruptedException {
        Http2Settings settings = Http2Settings.defaultSettings();
        if (maxConcurrentStreams > 0) {
            settings.maxConcurrentStreams(maxConcurrentStreams);
        }
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connectionCount.incrementAndGet();
                        connections.add(ch);
                        peakOpen.accumulateAndGet(connections.size(), Math::max);
                        ch.closeFuture().addListener(f -> connections.remove(ch));
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().initialSettings(settings)
                                        .validateHeaders(true).build(),
                                new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                    @Override
                                    protected void initChannel(Http2StreamChannel stream) {
                                        stream.pipeline().addLast(new StreamHandler());
                                    }
                                }));
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    public static TestH2Upstream start() throws InterruptedException {
        return new TestH2Upstream(0);
    }

    /** A server that allows at most this many concurrent streams per connection. */
    public static TestH2Upstream start(long maxConcurrentStreams) throws InterruptedException {
        return new TestH2Upstream(maxConcurrentStreams);
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Connections accepted so far. */
    public int connections() {
        return connectionCount.get();
    }

    /** Waits until every connection open now has closed, within {@code seconds}; fails the test if not. */
    public void awaitOpenConnectionsClosed(long seconds) throws InterruptedException {
        for (Channel c : connections) {
            if (!c.closeFuture().await(seconds, TimeUnit.SECONDS)) {
                throw new AssertionError("connection " + c + " still open after " + seconds + "s");
            }
        }
    }

    /** The most connections that were open at once so far. */
    public int peakOpenConnections() {
        return peakOpen.get();
    }

    /** The next stream that ended or was reset, within 15 s; null if none. */
    public Seen nextStream() throws InterruptedException {
        return seen.poll(15, TimeUnit.SECONDS);
    }

    /** Waits until {@code n} more {@code /hold} streams are held. */
    public void awaitHeld(int n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            if (holding.poll(15, TimeUnit.SECONDS) == null) {
                throw new AssertionError("only " + i + " of " + n + " streams held within 15s");
            }
        }
    }

    /** Ends every held {@code /hold} stream with the body {@code released}. */
    public void releaseHeld() {
        Http2StreamChannel s;
        while ((s = held.poll()) != null) { // taken one by one: a stream held meanwhile is never dropped
            Http2StreamChannel stream = s;
            stream.eventLoop().execute(() -> stream.writeAndFlush(new DefaultHttp2DataFrame(
                    Unpooled.copiedBuffer("released", StandardCharsets.UTF_8), true)));
        }
    }

    /**
     * GOAWAY(NO_ERROR) on every open connection, returning once it is written: streams it already has finish,
     * it takes no new one (a stream the client opens after this is refused).
     */
    public void goAway() {
        for (Channel c : connections) {
            c.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR)).syncUninterruptibly();
        }
    }

    /** Closes every connection at once, without GOAWAY (a crash, a cut cable). */
    public void dropConnections() {
        for (Channel c : connections) {
            c.close();
        }
    }

    private final class StreamHandler extends ChannelInboundHandlerAdapter {
        private final Map<String, String> headers = new TreeMap<>();
        private final Map<String, String> trailers = new TreeMap<>();
        private final StringBuilder body = new StringBuilder();
        private boolean gotHeaders;
        private boolean recorded;
        private int dataFrames;
        private String path = "";

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame h) {
                    if (!gotHeaders) {
                        gotHeaders = true;
                        copy(h.headers(), headers);
                        path = String.valueOf(h.headers().path());
                        onHead(ctx);
                    } else {
                        copy(h.headers(), trailers);
                    }
                    if (h.isEndStream()) {
                        onEnd(ctx);
                    }
                } else if (msg instanceof Http2DataFrame d) {
                    dataFrames++;
                    body.append(d.content().toString(StandardCharsets.UTF_8));
                    if (path.equals("/echo") && d.content().isReadable()) {
                        ctx.writeAndFlush(new DefaultHttp2DataFrame(d.content().retain(), false));
                    }
                    if (d.isEndStream()) {
                        onEnd(ctx);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void onHead(ChannelHandlerContext ctx) {
            if (path.equals("/refuse-once") && refusals.getAndIncrement() == 0) {
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
                return;
            }
            if (path.equals("/echo") || path.equals("/hold")) {
                ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                        .set("x-upstream", "h2"), false));
            }
            if (path.equals("/hold")) {
                held.add((Http2StreamChannel) ctx.channel());
            }
            if (path.equals("/hold") || path.equals("/silent")) {
                holding.add(path);
            }
        }

        private void onEnd(ChannelHandlerContext ctx) {
            record(true, -1);
            if (path.equals("/echo")) {
                Http2Headers t = new DefaultHttp2Headers().set("x-upstream-trailer", "done");
                trailers.forEach((k, v) -> t.set("echo-" + k, v));
                ctx.writeAndFlush(new DefaultHttp2HeadersFrame(t, true));
            } else if (!path.equals("/hold") && !path.equals("/silent")) {
                StringBuilder dump = new StringBuilder();
                headers.forEach((k, v) -> dump.append(k).append(": ").append(v).append('\n'));
                ByteBuf content = Unpooled.copiedBuffer(dump, StandardCharsets.UTF_8);
                ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                        .setInt("content-length", content.readableBytes()), false));
                ctx.writeAndFlush(new DefaultHttp2DataFrame(content, true));
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof Http2ResetFrame reset) {
                record(false, reset.errorCode());
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            record(false, -1);
        }

        private void record(boolean ended, long reset) {
            if (!recorded) {
                recorded = true;
                seen.add(new Seen(Map.copyOf(headers), body.toString(), Map.copyOf(trailers), ended, reset,
                        dataFrames));
            }
        }

        private void copy(Http2Headers from, Map<String, String> to) {
            from.forEach(e -> to.merge(e.getKey().toString(), e.getValue().toString(), (a, b) -> a + "," + b));
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
