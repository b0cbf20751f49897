package io.tidegate.kernel.engine;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;
import java.util.Queue;

/**
 * Netty's request decoder plus the one rule it does not enforce: obs-fold. Netty joins a header line
 * that starts with a space or tab onto the previous one; a proxy that does so while the upstream
 * does not can be smuggled past. We reject it (RFC 9112 section 5.2), so we must see the raw header
 * bytes before Netty consumes them.
 *
 * <p>Netty consumes the head line by line, so when a decode call starts inside a head the reader
 * index sits at a line start; we track whether the request line is behind us to know that a leading
 * space there is a continuation.
 *
 * <p>It also bounds how long a head may take to arrive (the listener's {@code requestHeadersTimeout}, Envoy's
 * {@code request_headers_timeout}, nginx's {@code client_header_timeout}): the timer starts with the first
 * byte of a head and stops when the head is decoded. The keep-alive idle timer alone cannot do this, because
 * a slowloris client sends a byte now and then and is never idle. On expiry a failed request
 * ({@link RequestHeadTimeoutException}) goes up the pipeline, which answers 408 and closes.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {

    private final Queue<HttpMethod> methods;
    private boolean inHead = true;
    private boolean requestLineConsumed;
    private boolean failed;
    private boolean headArmed;
    private final long headTimeoutNanos;
    /** Armed from a head's first byte until the head is decoded. */
    private LazyTimer headTimer;

    /** @param headTimeoutNanos the time a head may take from its first byte; 0: unbounded */
    StrictRequestDecoder(HttpDecoderConfig config, Queue<HttpMethod> methods, long headTimeoutNanos) {
        super(config);
        this.methods = methods;
        this.headTimeoutNanos = headTimeoutNanos;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int firstLineEnd = -1;
        if (inHead && !headArmed && headTimeoutNanos > 0 && in.isReadable()) {
            if (headTimer == null) {
                headTimer = new LazyTimer(ctx.executor(), () -> headTimedOut(ctx));
            }
            headTimer.arm(headTimeoutNanos);
            headArmed = true;
        }
        if (inHead) {
            if (hasObsFold(in)) {
                failed = true;
                in.skipBytes(in.readableBytes());
                HttpRequest bad = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
                bad.setDecoderResult(DecoderResult.failure(new ObsFoldException()));
                methods.add(bad.method());
                out.add(bad);
                return;
            }
            if (!requestLineConsumed) {
                firstLineEnd = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
            }
        }
        int outBefore = out.size();
        super.decode(ctx, in, out);
        for (int i = outBefore; i < out.size(); i++) {
            Object o = out.get(i);
            if (o instanceof HttpMessage message) {
                if (headArmed) {
                    headArmed = false;
                    headTimer.disarm();
                }
                inHead = false;
                requestLineConsumed = false;
                methods.add(((HttpRequest) message).method());
            }
            if (o instanceof LastHttpContent) {
                inHead = true;
                requestLineConsumed = false;
            }
        }
        if (inHead && firstLineEnd >= 0 && in.readerIndex() > firstLineEnd) {
            requestLineConsumed = true;
        }
    }

    private void headTimedOut(ChannelHandlerContext ctx) {
        headArmed = false;
        if (!inHead || failed || !ctx.channel().isActive()) {
            return;
        }
        failed = true; // what else arrives of this head is dropped; the connection closes after the 408
        HttpRequest late = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        late.setDecoderResult(DecoderResult.failure(new RequestHeadTimeoutException()));
        methods.add(late.method());
        ctx.fireChannelRead(late);
        ctx.fireChannelReadComplete();
    }

    private void cancelHeadTimer() {
        headArmed = false;
        if (headTimer != null) {
            headTimer.stop();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        try {
            super.channelInactive(ctx); // decodes what is left, which may arm the head timer again
        } finally {
            cancelHeadTimer();
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        cancelHeadTimer(); // a tunnel took over the connection
        super.handlerRemoved0(ctx);
    }

    /** The request head did not arrive within the listener's {@code requestHeadersTimeout}. */
    static final class RequestHeadTimeoutException extends RuntimeException {
        RequestHeadTimeoutException() {
            super("request headers timeout", null, false, false);
        }
    }

    /**
     * Whether the unread part of the head holds a line that starts with SP or HTAB. It jumps from line feed
     * to line feed ({@link ByteBuf#indexOf} scans a word at a time) and looks only at the byte after each.
     */
    private boolean hasObsFold(ByteBuf in) {
        int i = in.readerIndex();
        int end = in.writerIndex();
        if (!requestLineConsumed) {
            // Netty skips leading CR/LF and whitespace before a request line.
            while (i < end && isSkippable(in.getByte(i))) {
                i++;
            }
        } else if (i < end) {
            byte first = in.getByte(i); // the reader index sits at a line start
            if (first == ' ' || first == '\t') {
                return true;
            }
            if (first == '\r' || first == '\n') {
                return false; // the empty line: end of the head
            }
        }
        while (i < end) {
            int lf = in.indexOf(i, end, (byte) '\n');
            if (lf < 0 || lf + 1 >= end) {
                return false;
            }
            byte b = in.getByte(lf + 1);
            if (b == ' ' || b == '\t') {
                return true;
            }
            if (b == '\r' || b == '\n') {
                return false; // the empty line: end of the head
            }
            i = lf + 1;
        }
        return false;
    }

    private static boolean isSkippable(byte b) {
        return b == '\r' || b == '\n' || b == ' ' || b == '\t';
    }
}
