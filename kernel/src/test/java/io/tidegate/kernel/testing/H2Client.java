package io.tidegate.kernel.testing;

import io.netty.bootstrap.Bootstrap;
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
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Netty HTTP/2 client for tests: h2c with prior knowledge, or h2 over TLS. Streams are opened explicitly
 * and send whatever frames the test writes, malformed ones included, and what comes back is collected per
 * stream. GOAWAY and SETTINGS frames of the connection are collected too.
 */
public final class H2Client implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    private final BlockingQueue<Http2GoAwayFrame> goAways = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> settings = new CompletableFuture<>();

    private H2Client(int port, SslContext tls) throws InterruptedException {
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), "127.0.0.1", port));
                        }
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().validateHeaders(false).build(),
                                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
                                new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        if (msg instanceof Http2GoAwayFrame g) {
                                            goAways.add(g.retain());
                                        } else if (msg instanceof Http2SettingsFrame) {
                                            settings.complete(null);
                                        }
                                        ReferenceCountUtil.release(msg);
                                    }
                                });
                    }
                });
        channel = b.connect("127.0.0.1", port).sync().channel();
        // A wide connection window: a stream the test does not read must not stall the others.
        channel.writeAndFlush(new DefaultHttp2WindowUpdateFrame(64 * 1024 * 1024));
    }

    public static H2Client h2c(int port) throws InterruptedException {
        return new H2Client(port, null);
    }

    public static H2Client tls(int port, SslContext context) throws InterruptedException {
        return new H2Client(port, context);
    }

    /** Waits for the server's SETTINGS (the connection is HTTP/2 then). */
    public void awaitSettings() throws Exception {
        settings.get(5, TimeUnit.SECONDS);
    }

    /** Whether the server's SETTINGS arrived. */
    public boolean gotSettings() {
        return settings.isDone();
    }

    public Channel channel() {
        return channel;
    }

    public Http2GoAwayFrame nextGoAway() throws InterruptedException {
        return goAways.poll(5, TimeUnit.SECONDS);
    }

    public static Http2Headers request(String method, String authority, String path) {
        return new DefaultHttp2Headers(false).method(method).scheme("http").authority(authority).path(path);
    }

    /** Opens a stream; {@code autoRead} false leaves its response unread until {@link Stream#resume}. */
    public Stream open(boolean autoRead) throws InterruptedException {
        Stream s = new Stream();
        Http2StreamChannel ch = new Http2StreamChannelBootstrap(channel).option(
                io.netty.channel.ChannelOption.AUTO_READ, autoRead).handler(s).open().sync().getNow();
        s.channel = ch;
        return s;
    }

    public Stream open() throws InterruptedException {
        return open(true);
    }

    /** One stream: what the test writes, and what the server answered. */
    public static final class Stream extends ChannelInboundHandlerAdapter {
        Http2StreamChannel channel;
        private final BlockingQueue<Object> frames = new LinkedBlockingQueue<>();

        public Stream headers(Http2Headers headers, boolean endStream) {
            channel.writeAndFlush(new DefaultHttp2HeadersFrame(headers, endStream));
            return this;
        }

        public Stream data(ByteBuf data, boolean endStream) {
            channel.writeAndFlush(new DefaultHttp2DataFrame(data, endStream));
            return this;
        }

        public Stream data(String s, boolean endStream) {
            return data(Unpooled.copiedBuffer(s, StandardCharsets.UTF_8), endStream);
        }

        public Http2StreamChannel channel() {
            return channel;
        }

        public void resume() {
            channel.eventLoop().execute(() -> {
                channel.config().setAutoRead(true);
                channel.read();
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2DataFrame d) {
                int n = d.content().readableBytes();
                frames.add(new Data(n > 4096 ? null : d.content().toString(StandardCharsets.UTF_8), n, d.isEndStream()));
            } else if (msg instanceof Http2HeadersFrame h) {
                frames.add(h);
            } else if (msg instanceof Http2ResetFrame r) {
                frames.add(r);
            }
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof Http2ResetFrame r) {
                frames.add(r); // the multiplexer hands RST_STREAM to the stream as an event
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            frames.add(CLOSED);
        }

        /** Reads until the stream ends (END_STREAM, RST_STREAM or close); at most 10 s. */
        public Response response() throws InterruptedException {
            Response r = new Response();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                Object f = frames.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (f == null) {
                    throw new AssertionError("stream did not end within 10s: " + r);
                }
                if (f == CLOSED) {
                    return r;
                }
                if (f instanceof Http2ResetFrame reset) {
                    r.reset = reset.errorCode();
                    return r;
                }
                if (f instanceof Http2HeadersFrame h) {
                    if (r.headers == null || r.headers.status() != null && r.headers.status().charAt(0) == '1') {
                        r.headers = h.headers();
                    } else {
                        r.trailers = h.headers();
                    }
                    if (h.isEndStream()) {
                        return r;
                    }
                } else if (f instanceof Data d) {
                    r.bodyBytes += d.bytes;
                    if (d.text != null && r.body.length() < 65536) {
                        r.body.append(d.text);
                    }
                    if (d.end) {
                        return r;
                    }
                }
            }
        }
    }

    private static final Object CLOSED = new Object();

    private record Data(String text, int bytes, boolean end) {
    }

    /** A stream's answer. {@code reset} is the RST_STREAM error code, or -1. */
    public static final class Response {
        public Http2Headers headers;
        public Http2Headers trailers;
        public final StringBuilder body = new StringBuilder();
        public long bodyBytes;
        public long reset = -1;

        public String status() {
            return headers == null ? null : headers.status().toString();
        }

        @Override
        public String toString() {
            return "Response[headers=" + headers + ", trailers=" + trailers + ", bodyBytes=" + bodyBytes + ", reset="
                    + reset + "]";
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        Http2GoAwayFrame g;
        while ((g = goAways.poll()) != null) {
            g.release();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
