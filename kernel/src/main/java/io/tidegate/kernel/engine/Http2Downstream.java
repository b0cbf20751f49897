package io.tidegate.kernel.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2LocalFlowController;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;

/**
 * One downstream HTTP/2 stream as a {@link Downstream}: the state a stream needs and nothing more (Envoy's
 * "active stream"). Inbound, the request's HEADERS become an HTTP/1.1 request head, its DATA body chunks and its
 * end (or trailers) the last content. Outbound, the proxy's HTTP/1.1 response objects become HEADERS and DATA
 * frames written to the connection's encoder.
 *
 * <p>Flow control: a DATA frame is passed on when it arrives, but its bytes return to the client's window only
 * when the exchange asks for more ({@link #read()}), which it does only while the upstream takes the body. So a
 * stream whose upstream is slow holds at most its window of body bytes, and stops the client on that stream
 * alone. Outbound, the stream is writable while its send window and the connection are.
 *
 * <p>A response head waits for the next write or flush: a head followed at once by an empty end goes out as one
 * HEADERS frame with END_STREAM (a gRPC trailers-only answer must; a 204 then is the one frame it should be).
 */
final class Http2Downstream implements Downstream {

    /** Netty's bookkeeping headers of an HTTP/2 → HTTP/1.1 conversion: they must never reach an upstream. */
    private static final CharSequence[] EXTENSIONS = {
        HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text(),
        HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(),
        HttpConversionUtil.ExtensionHeaderNames.PATH.text(),
        HttpConversionUtil.ExtensionHeaderNames.PROTOCOL.text(),
    };

    private static final System.Logger LOG = System.getLogger(Http2Downstream.class.getName());

    private final Http2Frontend frontend;
    private final Http2Stream stream;
    /**
     * For writes nobody waits for. Unlike the pipeline's void promise it fires no exception through the
     * connection's pipeline when a write fails (a stream reset meanwhile): that would close the connection for
     * one stream's sake. The exchange learns of a failed stream from its end, as it did from a stream channel.
     */
    private final ChannelPromise quiet;
    private ProxyFrontendHandler exchange;
    /** A response head not yet written: the next write tells whether it ends the stream. */
    private Http2Headers head;
    /** The exchange let go of the stream (it ended, or was reset): frames still arriving are dropped. */
    private boolean detached;
    /** The response's last frame, with END_STREAM, went to the encoder (maybe queued behind the stream's window). */
    private boolean ended;
    /** The codec is resetting the stream (malformed): writes stop, the close that follows ends the exchange. */
    private boolean resetting;

    Http2Downstream(Http2Frontend frontend, Http2Stream stream) {
        this.frontend = frontend;
        this.stream = stream;
        this.quiet = frontend.quietPromise();
    }

    void start(ProxyFrontendHandler exchange) {
        this.exchange = exchange;
        exchange.streamOpened();
    }

    /**
     * A failure of the gateway's own while handling stream {@code id}: the stream is reset, the connection and its
     * other streams live on. It is a bug, so it is logged with its cause.
     */
    static Http2Exception failed(int id, RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "HTTP/2 stream " + id + " failed; it is reset", e);
        return Http2Exception.streamError(id, Http2Error.INTERNAL_ERROR, e, "stream %d failed: %s", id, e);
    }

    // ---- inbound ---------------------------------------------------------------------------------------

    /**
     * The request's HEADERS: a head, and its end too when END_STREAM came with it. Whatever fails here fails this
     * stream (a stream error, RST_STREAM), never the connection, which is what an exception thrown into the
     * codec's frame listener would do.
     */
    void requestHead(Http2Headers headers, boolean endOfStream) throws Http2Exception {
        HttpRequest request;
        try {
            request = toHttpRequest(headers);
        } catch (RuntimeException e) { // a :method or :path no HTTP/1.1 request line can carry
            throw Http2Exception.streamError(stream.id(), Http2Error.PROTOCOL_ERROR, e,
                    "request head cannot be an HTTP/1.1 request: %s", e.getMessage());
        }
        try {
            pass(request, endOfStream);
        } catch (RuntimeException e) {
            throw failed(e);
        }
    }

    /**
     * Netty's conversion ({@code HttpConversionUtil.toHttpRequest}), with methods compared case-sensitively
     * (RFC 9110 section 9.1: {@code connect} is not CONNECT, and keeps its {@code :path}) and a missing
     * pseudo-header a stream error rather than a NullPointerException. The headers keep Netty's validation
     * although the HTTP/2 decoder checked names and values already: route and policy header edits are added to
     * them later, and must be checked as they would be on an HTTP/1.1 request.
     */
    private HttpRequest toHttpRequest(Http2Headers headers) throws Http2Exception {
        CharSequence method = headers.method();
        boolean connect = method != null && HttpMethod.CONNECT.asciiName().contentEquals(method);
        CharSequence target = connect ? headers.authority() : headers.path(); // RFC 9113 8.5: CONNECT has no :path
        if (method == null || target == null) {
            throw Http2Exception.streamError(stream.id(), Http2Error.PROTOCOL_ERROR, "missing %s",
                    method == null ? ":method" : connect ? ":authority" : ":path");
        }
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method.toString()),
                target.toString(), DefaultHttpHeadersFactory.headersFactory());
        HttpConversionUtil.addHttp2ToHttpHeaders(stream.id(), headers, request.headers(), HttpVersion.HTTP_1_1, false,
                true);
        return request;
    }

    private void pass(HttpRequest request, boolean endOfStream) {
        HttpHeaders h = request.headers();
        for (CharSequence name : EXTENSIONS) {
            h.remove(name);
        }
        if (!endOfStream && !HttpUtil.isContentLengthSet(request)) {
            // A body of unknown length follows: an HTTP/1.1 upstream gets it chunked.
            h.add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        exchange.streamRead(request);
        if (endOfStream) {
            exchange.streamRead(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        exchange.streamReadComplete();
    }

    /** A DATA frame; false when nobody reads the stream any more (its bytes go back to the window at once). */
    boolean data(ByteBuf data, boolean endOfStream) throws Http2Exception {
        if (detached) {
            return false;
        }
        data.retain(); // the decoder releases its buffer when the frame has been handled
        try {
            exchange.streamRead(endOfStream ? new DefaultLastHttpContent(data) : new DefaultHttpContent(data));
            exchange.streamReadComplete();
        } catch (RuntimeException e) {
            throw failed(e);
        }
        return true;
    }

    /** HEADERS after the body: the request's trailers, and its end. */
    void trailers(Http2Headers headers) throws Http2Exception {
        if (detached) {
            return;
        }
        LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        HttpConversionUtil.addHttp2ToHttpHeaders(stream.id(), headers, last.trailingHeaders(), HttpVersion.HTTP_1_1,
                true, true);
        try {
            exchange.streamRead(last);
            exchange.streamReadComplete();
        } catch (RuntimeException e) {
            throw failed(e);
        }
    }

    private Http2Exception failed(RuntimeException e) {
        return failed(stream.id(), e);
    }

    void writabilityChanged() {
        if (detached || exchange == null) {
            return;
        }
        try {
            exchange.streamWritabilityChanged();
        } catch (RuntimeException e) { // the codec is flushing: thrown into it, this would close the connection
            LOG.log(System.Logger.Level.WARNING, "HTTP/2 stream " + stream.id() + " failed; it is reset", e);
            close();
        }
    }

    /** The stream is being reset as malformed, for {@code detail}: nothing more is written on it. */
    void malformed(String detail) {
        if (!detached && exchange != null) {
            resetting = true;
            exchange.streamMalformed(detail);
        }
    }

    /** The stream closed, whoever ended it. */
    void closed() {
        if (!detached) {
            detached = true;
            head = null;
            if (exchange != null) {
                exchange.streamClosed();
            }
        }
    }

    // ---- Downstream ------------------------------------------------------------------------------------

    @Override
    public void read() {
        if (detached) {
            return;
        }
        Http2LocalFlowController window = frontend.connection().local().flowController();
        int unconsumed = window.unconsumedBytes(stream);
        if (unconsumed == 0) {
            return;
        }
        try {
            if (window.consumeBytes(stream, unconsumed)) {
                frontend.flushSoon(); // a WINDOW_UPDATE was written
            }
        } catch (Http2Exception e) {
            frontend.onError(frontend.context(), false, e);
        }
    }

    @Override
    public boolean isWritable() {
        return !detached && !resetting && !stream.isResetSent()
                && frontend.encoder().flowController().isWritable(stream);
    }

    @Override
    public boolean isActive() {
        return !detached && frontend.context().channel().isActive();
    }

    @Override
    public void write(HttpObject msg) {
        write(msg, quiet);
    }

    @Override
    public void flush() {
        writeHead();
        frontend.flushSoon();
    }

    @Override
    public ChannelFuture writeAndFlush(HttpObject msg) {
        ChannelPromise promise = frontend.context().newPromise();
        write(msg, promise);
        frontend.flushSoon();
        return promise;
    }

    /**
     * Ends the stream from the gateway's side. A stream whose response was sent whole but whose client is still
     * sending is told to stop without error (RFC 9113 8.1: RST_STREAM NO_ERROR after a complete response); one
     * cut before its response ended is cancelled.
     */
    @Override
    public void close() {
        if (detached) {
            return;
        }
        detached = true;
        head = null;
        Http2Stream.State state = stream.state();
        // Delivered: the last frame left the stream's flow-control queue for the connection's outbound buffer, so
        // a reset written now goes out after it (a reset drops what is still queued). The exchange usually closes
        // after the last write completed; a timeout or a body limit may close before.
        boolean delivered = ended && !frontend.encoder().flowController().hasFlowControlled(stream);
        // Ended on both sides: the codec closes the stream once the last frame is out, and nothing is reset.
        boolean bothEnded = delivered && state == Http2Stream.State.HALF_CLOSED_REMOTE;
        if (state != Http2Stream.State.CLOSED && !bothEnded) {
            Http2Error code = delivered ? Http2Error.NO_ERROR : Http2Error.CANCEL;
            ChannelHandlerContext ctx = frontend.context();
            frontend.resetStream(ctx, stream.id(), code.code(), ctx.newPromise());
            frontend.flushSoon();
        }
        exchange.streamClosed(); // as a channel's close ends in channelInactive: the exchange's timers stop
    }

    // ---- HTTP/1.1 objects to frames --------------------------------------------------------------------

    private void write(HttpObject msg, ChannelPromise promise) {
        if (detached || resetting || ended || stream.isResetSent()) {
            // Nothing may follow the stream's end or its reset: the codec would take a frame on a half-closed
            // stream for a connection error.
            ReferenceCountUtil.release(msg);
            if (!promise.isVoid()) {
                promise.tryFailure(new ClosedChannelException());
            }
            return;
        }
        // Every conversion first: one that throws finds the message still the caller's, and nothing handed on.
        Http2Headers headers;
        Http2Headers trailers;
        try {
            headers = msg instanceof HttpResponse response ? HttpConversionUtil.toHttp2Headers(response, true) : null;
            trailers = msg instanceof LastHttpContent last && !last.trailingHeaders().isEmpty()
                    ? HttpConversionUtil.toHttp2Headers(last.trailingHeaders(), true) : null;
        } catch (RuntimeException e) { // a response head the HTTP/2 codec refuses: this stream fails, not others
            ReferenceCountUtil.release(msg);
            if (!promise.isVoid()) {
                promise.tryFailure(e);
            }
            close();
            return;
        }
        encode(msg, headers, trailers, promise);
    }

    private void encode(HttpObject msg, Http2Headers headers, Http2Headers trailers, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            writeHead();
            if (response.status().code() < 200) {
                ReferenceCountUtil.release(msg); // 100 Continue: one HEADERS frame, the stream stays open
                headers(headers, false, promise);
                return;
            }
            if (msg instanceof FullHttpResponse full) {
                writeEnd(headers, full.content(), trailers, promise);
                return;
            }
            head = headers;
            if (!promise.isVoid()) {
                promise.trySuccess(); // written with what follows it
            }
            return;
        }
        if (msg instanceof LastHttpContent last) {
            Http2Headers h = head;
            head = null;
            writeEnd(h, last.content(), trailers, promise);
            return;
        }
        writeHead();
        frontend.encoder().writeData(frontend.context(), stream.id(), ((HttpContent) msg).content(), 0, false,
                promise);
    }

    /** The end of the response: its head if it waits, the last body bytes, the trailers; END_STREAM on the last. */
    private void writeEnd(Http2Headers headers, ByteBuf body, Http2Headers trailers, ChannelPromise promise) {
        boolean hasBody = body.isReadable();
        boolean hasTrailers = trailers != null;
        ended = true;
        ChannelHandlerContext ctx = frontend.context();
        if (headers != null) {
            boolean alone = !hasBody && !hasTrailers;
            headers(headers, alone, alone ? promise : quiet);
            if (alone) {
                body.release();
                return;
            }
        }
        if (hasBody || !hasTrailers) {
            frontend.encoder().writeData(ctx, stream.id(), body, 0, !hasTrailers, hasTrailers ? quiet : promise);
        } else {
            body.release();
        }
        if (hasTrailers) {
            headers(trailers, true, promise);
        }
    }

    private void writeHead() {
        if (head != null) {
            Http2Headers h = head;
            head = null;
            headers(h, false, quiet);
        }
    }

    private void headers(Http2Headers headers, boolean endOfStream, ChannelPromise promise) {
        frontend.encoder().writeHeaders(frontend.context(), stream.id(), headers, 0, endOfStream, promise);
    }
}
