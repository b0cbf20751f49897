import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.*;
import io.netty.channel.*;
import io.netty.channel.epoll.*;
import io.netty.handler.codec.http2.*;
import java.nio.charset.StandardCharsets;

/**
 * The floor under Tidegate's HTTP/2 figures: an h2c server on Netty's HTTP/2 codec, the same version and
 * transport as the gateway, that answers every stream with the benchmark upstream's 13-byte body, with no
 * proxying at all. Mode {@code mux} gives every stream a child channel ({@code Http2MultiplexHandler}, as the
 * gateway does), mode {@code frames} answers on the frame codec alone. Its CPU per stream is what the codec
 * costs; the rest of a proxied stream's cost is the gateway's own. See bench/README.md ("h2 floor").
 *
 * <p>Run: {@code bench/h2-floor.sh}.
 */
public class H2Floor {
  static final ByteBuf BODY = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes("hello, world\n".getBytes(StandardCharsets.US_ASCII)));
  public static void main(String[] a) throws Exception {
    String mode = a[0]; int port = Integer.parseInt(a[1]);
    EventLoopGroup g = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    new ServerBootstrap().group(g).channel(EpollServerSocketChannel.class).childHandler(new ChannelInitializer<Channel>() {
      protected void initChannel(Channel ch) {
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer().initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(100)).validateHeaders(true).build();
        ch.pipeline().addLast(codec);
        if (mode.equals("mux")) {
          ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            protected void initChannel(Http2StreamChannel s) {
              s.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                  if (msg instanceof Http2HeadersFrame h && h.isEndStream()) respond(ctx, null);
                  io.netty.util.ReferenceCountUtil.release(msg);
                }
              });
            }
          }));
        } else {
          ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
              if (msg instanceof Http2HeadersFrame h && h.isEndStream()) respond(ctx, h.stream());
              io.netty.util.ReferenceCountUtil.release(msg);
            }
            public void channelReadComplete(ChannelHandlerContext ctx) { ctx.flush(); }
          });
        }
      }
    }).bind("127.0.0.1", port).sync();
    System.out.println("listening " + mode + " " + port);
    Thread.currentThread().join();
  }
  static void respond(ChannelHandlerContext ctx, Http2FrameStream stream) {
    Http2Headers hs = new DefaultHttp2Headers().status("200").set("content-type", "text/plain").setInt("content-length", 13);
    Http2HeadersFrame hf = new DefaultHttp2HeadersFrame(hs, false);
    Http2DataFrame df = new DefaultHttp2DataFrame(BODY.duplicate(), true);
    if (stream != null) { hf.stream(stream); df.stream(stream); ctx.write(hf, ctx.voidPromise()); ctx.write(df, ctx.voidPromise()); }
    else { ctx.write(hf); ctx.writeAndFlush(df); }
  }
}
