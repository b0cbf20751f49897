package io.tidegate.kernel.engine;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.tidegate.kernel.config.GatewayConfig;

/**
 * Downstream HTTP/2 at the frame level, Envoy's way: Netty's connection handler (HPACK, flow control, stream
 * states, the RFC 9113 checks) with one small {@link Http2Downstream} per stream and no child channel, no
 * per-stream pipeline and no frame objects. A stream's first HEADERS starts a {@link ProxyFrontendHandler} for
 * its one exchange; DATA and trailers reach it as HTTP/1.1 body chunks and end, as they would from an HTTP/1.1
 * connection; its response goes out as HEADERS and DATA frames written straight to the encoder.
 *
 * <p>Writes are flushed once per event-loop turn: during a read of this connection the handler flushes when
 * the read completes; writes that come from elsewhere (an upstream's response) schedule one flush for the end
 * of the turn, so the responses of many streams answered in one turn leave in one socket write.
 */
final class Http2Frontend extends Http2ConnectionHandler {

    private final EngineContext engine;
    private final GatewayConfig.ListenerConfig listener;
    private final DownstreamConnection connection;
    /** Each stream's {@link Http2Downstream}, from its first HEADERS on. */
    private final io.netty.handler.codec.http2.Http2Connection.PropertyKey streamKey;
    private final Runnable scheduledFlush = this::scheduledFlush;
    private ChannelHandlerContext ctx;
    /** The streams' request and idle timers, passed from a finished stream to the next. */
    private ClientTimers.Pool timers;
    /** Within a read of this connection: the read's completion flushes. */
    private boolean reading;
    private boolean flushScheduled;
    private ChannelPromise quiet;

    private Http2Frontend(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings,
            EngineContext engine, GatewayConfig.ListenerConfig listener, DownstreamConnection connection) {
        super(decoder, encoder, settings);
        this.engine = engine;
        this.listener = listener;
        this.connection = connection;
        this.streamKey = connection().newKey();
        decoder.frameListener(new Frames());
        connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamClosed(Http2Stream stream) {
                Http2Downstream d = stream.getProperty(streamKey);
                if (d != null) {
                    d.closed();
                }
            }
        });
        encoder.flowController().listener(stream -> {
            Http2Downstream d = stream.getProperty(streamKey);
            if (d != null) {
                d.writabilityChanged(); // never throws: the codec would take it for a connection error
            }
        });
    }

    /** The handler for one admitted client connection of {@code listener}, with the listener's HTTP/2 settings. */
    static Http2Frontend create(EngineContext engine, GatewayConfig.ListenerConfig listener,
            DownstreamConnection connection) {
        GatewayConfig.Http2 h2 = listener.http2();
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(h2.maxConcurrentStreams())
                .initialWindowSize(h2.initialWindowSize())
                .maxHeaderListSize(listener.maxHeaderBytes());
        // RFC 9113 section 5.3.1 deprecates RFC 7540's priority scheme, and clients mostly send none worth
        // honouring: frames of ready streams go out in turn (Netty's uniform distributor), without the
        // weighted priority tree and its per-stream state that the default distributor keeps.
        DefaultHttp2Connection streams = new DefaultHttp2Connection(true);
        streams.remote().flowController(new DefaultHttp2RemoteFlowController(streams,
                new UniformStreamByteDistributor(streams)));
        return new Builder(engine, listener, connection)
                .connection(streams)
                .initialSettings(settings)
                .validateHeaders(true) // RFC 9113 8.2.2: connection-specific headers are a stream error
                .validateRequiredPseudoHeaders(true) // 8.3.1: :method, :scheme, :path
                // A close (drain, keep-alive) sends GOAWAY and waits for the open streams however long they
                // take: the engine's drain timeout is what bounds a drain, as for HTTP/1.1 connections.
                .gracefulShutdownTimeoutMillis(-1)
                .build();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        this.quiet = new VoidChannelPromise(ctx.channel(), false);
        this.timers = new ClientTimers.Pool(ctx.executor());
        super.handlerAdded(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        try {
            super.channelInactive(ctx); // closes the open streams, whose timers come back to the pool
        } finally {
            timers.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        reading = true;
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        reading = false;
        super.channelReadComplete(ctx); // flushes
    }

    /** Frames were written: they leave with the read's flush, or with one flush at the end of this turn. */
    void flushSoon() {
        if (!reading && !flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(scheduledFlush);
        }
    }

    private void scheduledFlush() {
        flushScheduled = false;
        flush(ctx);
    }

    ChannelHandlerContext context() {
        return ctx;
    }

    /** A void promise that reports nothing (see {@link Http2Downstream}); one per connection. */
    ChannelPromise quietPromise() {
        return quiet;
    }

    /**
     * A stream error. A malformed stream's exchange learns why before the reset closes it; one that never became
     * an exchange (a missing pseudo-header, a connection-specific or CR LF header) still gets its access log
     * line. Errors of a stream that is gone already are nobody's: frames still arriving for a stream the gateway
     * reset (STREAM_CLOSED), streams refused over the limit or after GOAWAY (REFUSED_STREAM), and the codec
     * failing the frames still queued for a stream that closed, which must not answer a client's RST_STREAM
     * with another (RFC 9113 section 5.4.2).
     */
    @Override
    protected void onStreamError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
            Http2Exception.StreamException http2Ex) {
        int id = http2Ex.streamId();
        Http2Stream stream = connection().stream(id);
        if (outbound && (stream == null || stream.state() == Http2Stream.State.CLOSED)) {
            return; // the failed write's promise carries it
        }
        if (!outbound && stream == null && http2Ex.error() == Http2Error.STREAM_CLOSED
                && connection().streamMayHaveExisted(id)) {
            // A frame the client sent before it saw the gateway's RST_STREAM: ignored (RFC 9113 section 5.1).
            // Answered with a reset each, an upload the gateway answered early would earn the connection
            // Netty's reset-flood GOAWAY after a few dozen.
            return;
        }
        Http2Downstream d = stream == null ? null : stream.getProperty(streamKey);
        if (!outbound && d != null) {
            d.malformed(http2Ex.getMessage()); // whatever the client broke on a live stream: DPE
        } else if (!outbound && http2Ex.error() == Http2Error.PROTOCOL_ERROR) {
            ExchangeLog.malformedStream(engine, connection, http2Ex.getMessage());
        }
        super.onStreamError(ctx, outbound, cause, http2Ex);
    }

    /** What the decoder read, stream by stream. Control frames are the connection handler's own business. */
    private final class Frames extends Http2FrameAdapter {

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                boolean endOfStream) throws Http2Exception {
            Http2Stream stream = connection().stream(streamId);
            Http2Downstream d = stream.getProperty(streamKey);
            if (d == null) {
                engine.metrics().http2Stream(listener.name());
                d = new Http2Downstream(Http2Frontend.this, stream);
                stream.setProperty(streamKey, d); // first: whatever fails from here, the stream's close ends it
                try {
                    d.start(ProxyFrontendHandler.forStream(engine, listener, connection, ctx, d, timers));
                } catch (RuntimeException e) {
                    throw Http2Downstream.failed(streamId, e);
                }
                d.requestHead(headers, endOfStream);
            } else {
                d.trailers(headers);
            }
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                short weight, boolean exclusive, int padding, boolean endOfStream) throws Http2Exception {
            onHeadersRead(ctx, streamId, headers, padding, endOfStream);
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding,
                boolean endOfStream) throws Http2Exception {
            Http2Stream stream = connection().stream(streamId);
            Http2Downstream d = stream == null ? null : stream.getProperty(streamKey);
            if (d == null || !d.data(data, endOfStream)) {
                return data.readableBytes() + padding; // nobody reads this stream any more: the window comes back now
            }
            return 0; // returned when the exchange reads (Http2Downstream.read), which bounds what waits per stream
        }
    }

    private static final class Builder extends AbstractHttp2ConnectionHandlerBuilder<Http2Frontend, Builder> {

        private final EngineContext engine;
        private final GatewayConfig.ListenerConfig listener;
        private final DownstreamConnection connection;

        Builder(EngineContext engine, GatewayConfig.ListenerConfig listener, DownstreamConnection connection) {
            this.engine = engine;
            this.listener = listener;
            this.connection = connection; // a server's: the HTTP/2 connection passed to connection() says so
        }

        @Override
        protected Builder connection(io.netty.handler.codec.http2.Http2Connection connection) {
            return super.connection(connection);
        }

        @Override
        protected Builder initialSettings(Http2Settings settings) {
            return super.initialSettings(settings);
        }

        @Override
        protected Builder validateHeaders(boolean validateHeaders) {
            return super.validateHeaders(validateHeaders);
        }

        @Override
        protected Builder validateRequiredPseudoHeaders(boolean validate) {
            return super.validateRequiredPseudoHeaders(validate);
        }

        @Override
        protected Builder gracefulShutdownTimeoutMillis(long millis) {
            return super.gracefulShutdownTimeoutMillis(millis);
        }

        @Override
        protected Http2Frontend build() {
            return super.build();
        }

        @Override
        protected Http2Frontend build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
                Http2Settings initialSettings) {
            return new Http2Frontend(decoder, encoder, initialSettings, engine, listener, connection);
        }
    }
}
