package io.tidegate.kernel.engine;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.HttpConversionUtil;
import java.util.List;

/**
 * Turns a stream's request, as {@code Http2StreamFrameToHttpObjectCodec} decoded it, into what the
 * HTTP/1.1 engine expects: Netty's {@code x-http2-*} bookkeeping headers are removed (they must never reach
 * an upstream), and a {@code host} header equal to {@code :authority} is folded into the one {@code Host}
 * (RFC 9113 section 8.3.1 allows both when they agree; two that disagree stay two, and the request
 * validator refuses them with 400). A request that ended with its HEADERS arrives as one
 * {@code FullHttpRequest}; it is passed on as a head and an empty last content, as HTTP/1.1 requests are.
 */
final class Http2Requests extends ChannelInboundHandlerAdapter {

    private static final List<CharSequence> EXTENSIONS = List.of(
            HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text(),
            HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(),
            HttpConversionUtil.ExtensionHeaderNames.PATH.text(),
            HttpConversionUtil.ExtensionHeaderNames.STREAM_PROMISE_ID.text(),
            HttpConversionUtil.ExtensionHeaderNames.STREAM_DEPENDENCY_ID.text(),
            HttpConversionUtil.ExtensionHeaderNames.STREAM_WEIGHT.text());

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            HttpHeaders headers = request.headers();
            for (CharSequence name : EXTENSIONS) {
                headers.remove(name);
            }
            List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
            if (hosts.size() == 2 && hosts.get(0).equalsIgnoreCase(hosts.get(1))) {
                headers.set(HttpHeaderNames.HOST, hosts.get(0));
            }
            if (msg instanceof FullHttpRequest full) {
                // HEADERS with END_STREAM: the head and an empty end, as the HTTP/1.1 decoder sends them
                ctx.fireChannelRead(new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), headers));
                ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }
}
