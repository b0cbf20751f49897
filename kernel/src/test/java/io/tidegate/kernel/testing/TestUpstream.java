package io.tidegate.kernel.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP/1.1 server on loopback port 0, standing in for an application behind the gateway.
 * It counts connections, requests and raw bytes received, records every request head, and answers
 * by path:
 * <ul>
 *   <li>{@code /echo}: streams the request body back (reading the next chunk only after the last
 *       was written: it never buffers)
 *   <li>{@code /count}: consumes the body and answers its length
 *   <li>{@code /slow?ms=N}: answers after N ms
 *   <li>{@code /close}: closes the connection without answering
 *   <li>{@code /status/N}: answers status N
 *   <li>{@code /bytes?n=N}: streams N bytes
 *   <li>{@code /hold}: answers as "anything else" below, but only once {@link #releaseHeld} is called
 *       ({@link #awaitHeld} waits until requests are held): a test holds responses open without sleeping
 *   <li>{@code /trailers}: a chunked "hello" with trailers {@code X-Checksum: abc}, hop-by-hop headers
 *       ({@code Keep-Alive}, {@code Connection: X-Private} and {@code X-Private}) and {@code X-Mixed-Case}
 *   <li>while {@link #failWith} is set: that status, for every path
 *   <li>anything else: 200, body "NAME METHOD URI" then one "name: value" line per request header
 * </ul>
 */
public final class TestUpstream implements AutoCloseable {

    /** A request head as the upstream saw it. */
    public record Seen(String method, String uri, Map<String, List<String>> headers) {
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase());
            return v == null ? null : v.get(0);
        }
    }

    /** A request body as the upstream received it: its length and CRC-32. */
    public record Body(String uri, long length, long crc32) {
    }

    private final BlockingQueue<Body> bodies = new LinkedBlockingQueue<>();
    private final String name;
    private final EventLoopGroup group;
    private final Channel server;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
    private volatile int failWith;
    private volatile String retryAfter;

    private final AtomicInteger tlsHandshakes = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger peakOpen = new AtomicInteger();
    private final AtomicInteger holdsInFlight = new AtomicInteger();
    private final AtomicInteger peakHoldsInFlight = new AtomicInteger();
    private final java.util.concurrent.Semaphore closed = new java.util.concurrent.Semaphore(0);
    private final java.util.concurrent.Semaphore held = new java.util.concurrent.Semaphore(0);
    private volatile java.util.concurrent.CompletableFuture<Void> heldGate = new java.util.concurrent.CompletableFuture<>();

    private TestUpstream(String name) throws InterruptedException {
        this(name, null);
    }

    private TestUpstream(String name, io.netty.handler.ssl.SslContext tls) throws InterruptedException {
        this(name, tls, "127.0.0.1", 0);
    }

    private TestUpstream(String name, io.netty.handler.ssl.SslContext tls, String bindHost, int bindPort)
            throws InterruptedException {
        this.name = name;
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        peakOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                        ch.closeFuture().addListener(f -> {
                            open.decrementAndGet();
                            closed.release();
                        });
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()), new HandshakeCounter());
                        }
                        ch.pipeline().addLast(new ByteCounter(), new HttpServerCodec(), new Handler());
                    }
                }).bind(bindHost, bindPort).sync().channel();
    }

    public static TestUpstream start(String name) throws InterruptedException {
        return new TestUpstream(name);
    }

    /**
     * An upstream bound to a chosen loopback address and port, e.g. two upstreams on 127.0.0.2 and 127.0.0.3
     * at one port, told apart only by the address a DNS A record names (Linux routes all of 127.0.0.0/8 to lo).
     *
     * @param port 0: an ephemeral port
     */
    public static TestUpstream startOn(String name, String host, int port) throws InterruptedException {
        return new TestUpstream(name, null, host, port);
    }

    /** An HTTPS upstream (standing in for a TLS-serving application) that counts its handshakes. */
    public static TestUpstream startTls(String name, io.netty.handler.ssl.SslContext serverContext)
            throws InterruptedException {
        return new TestUpstream(name, serverContext);
    }

    /** TLS handshakes completed (HTTPS upstreams). */
    public int tlsHandshakes() {
        return tlsHandshakes.get();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public String address() {
        return ((InetSocketAddress) server.localAddress()).getAddress().getHostAddress() + ":" + port();
    }

    /** From now on every request is answered with {@code status} (0: back to normal). */
    public void failWith(int status) {
        failWith = status;
    }

    /** Failure answers carry {@code Retry-After: value} (null: none). */
    public void retryAfter(String value) {
        retryAfter = value;
    }

    public int connections() {
        return connections.get();
    }

    /** Connections open now. */
    public int openConnections() {
        return open.get();
    }

    /** Waits up to 10 s until {@code n} more connections have closed (either side closing); false if not. */
    public boolean awaitClosed(int n) throws InterruptedException {
        return closed.tryAcquire(n, 10, TimeUnit.SECONDS);
    }

    /** The most connections that were open at the same time. */
    public int peakOpenConnections() {
        return peakOpen.get();
    }

    /**
     * The most {@code /hold} requests that were being served at once. Unlike {@link #peakOpenConnections} it
     * does not count a connection the client has closed but whose end this server has not read yet.
     */
    public int peakHoldsInFlight() {
        return peakHoldsInFlight.get();
    }

    /** Waits up to 10 s until {@code n} more requests to {@code /hold} are being held; fails the test if not. */
    public boolean awaitHeld(int n) throws InterruptedException {
        if (!held.tryAcquire(n, 10, TimeUnit.SECONDS)) {
            throw new AssertionError("upstream " + name + ": " + n + " held requests expected within 10s");
        }
        return true;
    }

    /** Answers every {@code /hold} request held so far and from now on answers them at once. */
    public void stopHolding() {
        heldGate.complete(null); // kept, completed: later requests find it done
    }

    /** Answers every {@code /hold} request held so far. */
    public void releaseHeld() {
        java.util.concurrent.CompletableFuture<Void> gate = heldGate;
        heldGate = new java.util.concurrent.CompletableFuture<>();
        gate.complete(null);
    }

    public int requests() {
        return requests.get();
    }

    public long bytesReceived() {
        return bytesReceived.get();
    }

    /** The next request head seen, waiting up to 5 s. */
    public Seen nextSeen() throws InterruptedException {
        Seen s = seen.poll(5, TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("upstream " + name + " saw no request within 5s");
        }
        return s;
    }

    /** The next complete request body received, waiting up to 10 s. */
    public Body nextBody() throws InterruptedException {
        Body b = bodies.poll(10, TimeUnit.SECONDS);
        if (b == null) {
            throw new AssertionError("upstream " + name + " received no complete request within 10s");
        }
        return b;
    }

    /** Waits for a request to {@code uri}, skipping others. */
    public Seen nextSeenMatching(String uri) throws InterruptedException {
        while (true) {
            Seen s = nextSeen();
            if (s.uri().equals(uri)) {
                return s;
            }
        }
    }

    @Override
    public void close() {
        if (group.isShuttingDown()) {
            return; // closed already (a test that stops an upstream midway)
        }
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class HandshakeCounter extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent done && done.isSuccess()) {
                tlsHandshakes.incrementAndGet();
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    private final class ByteCounter extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.read();
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            bytesReceived.addAndGet(((ByteBuf) msg).readableBytes());
            ctx.fireChannelRead(msg);
        }
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private HttpRequest request;
        private boolean echoing;
        private long bodyBytes;
        private final java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        private long received;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpContent content && request != null) {
                crc.update(content.content().nioBuffer());
                received += content.content().readableBytes();
                if (content instanceof LastHttpContent) {
                    bodies.add(new Body(request.uri(), received, crc.getValue()));
                }
            }
            if (msg instanceof HttpRequest r) {
                request = r;
                crc.reset();
                received = 0;
                bodyBytes = 0;
                requests.incrementAndGet();
                Map<String, List<String>> headers = new LinkedHashMap<>();
                r.headers().forEach(e -> headers.computeIfAbsent(e.getKey().toLowerCase(),
                        k -> new java.util.ArrayList<>()).add(e.getValue()));
                seen.add(new Seen(r.method().name(), r.uri(), headers));
                String path = new QueryStringDecoder(r.uri()).path();
                if (path.equals("/close")) {
                    ctx.close();
                    return;
                }
                if (path.equals("/echo")) {
                    echoing = true;
                    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    HttpUtil.setTransferEncodingChunked(head, true);
                    ctx.writeAndFlush(head);
                }
            }
            if (msg instanceof HttpContent content) {
                if (echoing) {
                    boolean last = content instanceof LastHttpContent;
                    ctx.writeAndFlush(content).addListener((ChannelFutureListener) f -> {
                        if (last) {
                            echoing = false;
                            finishExchange(ctx);
                        } else {
                            ctx.read();
                        }
                    });
                    return;
                }
                bodyBytes += content.content().readableBytes();
                content.release();
                if (content instanceof LastHttpContent) {
                    respond(ctx);
                    return;
                }
            }
            ctx.read();
        }

        private void respond(ChannelHandlerContext ctx) {
            HttpRequest r = request;
            QueryStringDecoder query = new QueryStringDecoder(r.uri());
            String path = query.path();
            int failing = failWith;
            if (failing != 0) {
                FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.valueOf(failing), Unpooled.EMPTY_BUFFER);
                resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0).set("x-upstream", name);
                if (retryAfter != null) {
                    resp.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
                }
                ctx.writeAndFlush(resp).addListener((ChannelFutureListener) f -> finishExchange(ctx));
                return;
            }
            if (path.equals("/hold")) {
                peakHoldsInFlight.accumulateAndGet(holdsInFlight.incrementAndGet(), Math::max);
                // On the gate first, then counted: once awaitHeld sees it, releaseHeld's gate is the one it waits on.
                heldGate.thenRun(() -> ctx.executor().execute(() -> {
                    holdsInFlight.decrementAndGet(); // before the answer leaves: the client cannot act on it sooner
                    writeDefault(ctx, r);
                }));
                held.release();
                return;
            }
            if (path.equals("/slow")) {
                long ms = Long.parseLong(query.parameters().get("ms").get(0));
                ctx.executor().schedule(() -> writeDefault(ctx, r), ms, TimeUnit.MILLISECONDS);
                return;
            }
            if (path.equals("/count")) {
                ByteBuf content = Unpooled.copiedBuffer(Long.toString(bodyBytes), StandardCharsets.UTF_8);
                FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        content);
                resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
                ctx.writeAndFlush(resp).addListener((ChannelFutureListener) f -> finishExchange(ctx));
                return;
            }
            if (path.startsWith("/status/")) {
                int code = Integer.parseInt(path.substring("/status/".length()));
                FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.valueOf(code), Unpooled.EMPTY_BUFFER);
                resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
                ctx.writeAndFlush(resp).addListener((ChannelFutureListener) f -> finishExchange(ctx));
                return;
            }
            if (path.equals("/trailers")) {
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                HttpUtil.setTransferEncodingChunked(head, true);
                head.headers().set("Keep-Alive", "timeout=5").set("Connection", "X-Private")
                        .set("X-Private", "secret").set("X-Mixed-Case", "v");
                ctx.write(head);
                ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8)));
                io.netty.handler.codec.http.DefaultLastHttpContent last = new io.netty.handler.codec.http.DefaultLastHttpContent();
                last.trailingHeaders().set("X-Checksum", "abc");
                ctx.writeAndFlush(last).addListener((ChannelFutureListener) f -> finishExchange(ctx));
                return;
            }
            if (path.equals("/bytes")) {
                long n = Long.parseLong(query.parameters().get("n").get(0));
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                HttpUtil.setContentLength(head, n);
                ctx.write(head);
                streamBytes(ctx, n);
                return;
            }
            writeDefault(ctx, r);
        }

        private void streamBytes(ChannelHandlerContext ctx, long remaining) {
            if (remaining == 0) {
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
                        .addListener((ChannelFutureListener) f -> finishExchange(ctx));
                return;
            }
            int n = (int) Math.min(remaining, 16 * 1024);
            ByteBuf chunk = ctx.alloc().buffer(n).writeZero(n);
            ctx.writeAndFlush(new DefaultHttpContent(chunk)).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    streamBytes(ctx, remaining - n);
                }
            });
        }

        private void writeDefault(ChannelHandlerContext ctx, HttpRequest r) {
            StringBuilder body = new StringBuilder().append(name).append(' ').append(r.method()).append(' ')
                    .append(r.uri()).append('\n');
            r.headers().forEach(e -> body.append(e.getKey().toLowerCase()).append(": ").append(e.getValue())
                    .append('\n'));
            ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
                    .set(HttpHeaderNames.CONTENT_TYPE, "text/plain")
                    .set("x-upstream", name);
            ctx.writeAndFlush(resp).addListener((ChannelFutureListener) f -> finishExchange(ctx));
        }

        private void finishExchange(ChannelHandlerContext ctx) {
            if (HttpUtil.isKeepAlive(request)) {
                ctx.read();
            } else {
                ctx.close();
            }
        }
    }
}
