package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.RouteMatch;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How the gateway ends a downstream HTTP/2 stream, read frame by frame off a raw h2c connection (no client
 * library between the test and the wire, so a stray frame cannot be hidden by one): a response to a request
 * the client ended is its last frame with END_STREAM and nothing after; a complete response sent before the
 * client finished its body is followed by RST_STREAM(NO_ERROR), RFC 9113 section 8.1.
 */
@ExtendWith(NoLeaks.class)
class Http2StreamEndingTest {

    private static final Provenance ORIGIN = Provenance.of("test", "Http2StreamEndingTest");
    private static final int HEADERS = 0x1;
    private static final int RST_STREAM = 0x3;
    private static final int PING = 0x6;
    private static final int END_STREAM = 0x1;

    static TestUpstream upstream;
    static EngineHarness gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.start("app");
        gateway = EngineHarness.start();
        Route local = Route.builder("local", ORIGIN.withRule("local"))
                .match(RouteMatch.path(PathMatch.segmentPrefix("/local")))
                .action(new RouteAction.DirectResponse(200, "answered early", List.of())).build();
        Route app = Route.builder("app", ORIGIN.withRule("app")).forwardTo("app").build();
        gateway.publish(Fragment.of(List.of(local, app), List.of(
                Cluster.of("app", List.of(Endpoint.of("127.0.0.1", upstream.port())), ORIGIN.withRule("c")))));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    @Test
    void aProxiedResponseEndsTheStreamWithItsLastFrameAndNothingFollows() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            for (int id = 1; id <= 5; id += 2) { // and again on the same connection
                int stream = id;
                c.request(stream, "GET", "/app", true);
                List<Frame> frames = c.untilPingAck();
                assertThat(frames).as("frames of stream %d", stream)
                        .anyMatch(f -> f.stream == stream && (f.flags & END_STREAM) != 0)
                        .noneMatch(f -> f.type == RST_STREAM);
            }
        }
    }

    @Test
    void aCompleteResponseBeforeTheRequestBodyEndedIsFollowedByResetNoError() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            c.request(1, "POST", "/local", false); // the body never comes
            List<Frame> frames = c.untilReset(1);
            assertThat(frames).anyMatch(f -> f.stream == 1 && f.type == HEADERS);
            Frame last = frames.get(frames.size() - 1);
            assertThat(last.errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
            assertThat(frames.get(frames.size() - 2).flags & END_STREAM).as("the response ended first")
                    .isEqualTo(END_STREAM);
        }
    }

    private record Frame(int type, int flags, int stream, byte[] payload) {
        long errorCode() {
            return ((payload[0] & 0xffL) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8)
                    | (payload[3] & 0xff);
        }
    }

    /** An h2c client that writes frames by hand and reads every frame the gateway sends. */
    private static final class RawH2 implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final DataInputStream in;
        private final DefaultHttp2HeadersEncoder hpack = new DefaultHttp2HeadersEncoder();
        private final int port;

        RawH2(int port) throws IOException {
            this.port = port;
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout(10_000);
            out = socket.getOutputStream();
            in = new DataInputStream(socket.getInputStream());
            ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
            byte[] p = new byte[preface.readableBytes()];
            preface.readBytes(p);
            preface.release();
            out.write(p);
            frame(0x4, 0, 0, new byte[0]); // SETTINGS, all defaults
        }

        void request(int stream, String method, String path, boolean endStream) throws Exception {
            Http2Headers h = new DefaultHttp2Headers().method(method).scheme("http").path(path)
                    .authority("127.0.0.1:" + port);
            ByteBuf block = Unpooled.buffer();
            hpack.encodeHeaders(stream, h, block);
            byte[] b = new byte[block.readableBytes()];
            block.readBytes(b);
            block.release();
            frame(HEADERS, 0x4 | (endStream ? END_STREAM : 0), stream, b); // END_HEADERS
        }

        /** Every frame up to the answer of a PING sent once the response to the last request ended. */
        List<Frame> untilPingAck() throws IOException {
            List<Frame> frames = new ArrayList<>();
            boolean pinged = false;
            while (true) {
                Frame f = read();
                frames.add(f);
                if (!pinged && (f.flags & END_STREAM) != 0 && f.stream != 0) {
                    frame(PING, 0, 0, new byte[8]); // answered after whatever the gateway wrote before it
                    pinged = true;
                } else if (pinged && f.type == PING && (f.flags & 0x1) != 0) {
                    return frames;
                }
            }
        }

        List<Frame> untilReset(int stream) throws IOException {
            List<Frame> frames = new ArrayList<>();
            while (true) {
                Frame f = read();
                frames.add(f);
                if (f.type == RST_STREAM && f.stream == stream) {
                    return frames;
                }
            }
        }

        private Frame read() throws IOException {
            int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            if (type == 0x4 && (flags & 0x1) == 0) {
                frame(0x4, 0x1, 0, new byte[0]); // SETTINGS ACK
            }
            return new Frame(type, flags, stream, payload);
        }

        private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
            byte[] head = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
                (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8),
                (byte) stream};
            out.write(head);
            out.write(payload);
            out.flush();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
