package io.tidegate.kernel.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * An h2c client that writes frames by hand and reads every frame the gateway sends, with no HTTP/2 library
 * between the test and the wire: a stray frame cannot be hidden by one, and a malformed request is sent as
 * it is. Blocking, on the test's thread.
 */
public final class RawH2 implements AutoCloseable {

    public static final int DATA = 0x0;
    public static final int HEADERS = 0x1;
    public static final int RST_STREAM = 0x3;
    public static final int PING = 0x6;
    public static final int GOAWAY = 0x7;
    public static final int END_STREAM = 0x1;

    public record Frame(int type, int flags, int stream, byte[] payload) {
        /** RST_STREAM's or GOAWAY's error code (GOAWAY: after the last stream id). */
        public long errorCode() {
            int at = type == GOAWAY ? 4 : 0;
            return ((payload[at] & 0xffL) << 24) | ((payload[at + 1] & 0xff) << 16) | ((payload[at + 2] & 0xff) << 8)
                    | (payload[at + 3] & 0xff);
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final DefaultHttp2HeadersEncoder hpack = new DefaultHttp2HeadersEncoder();
    private final int port;

    public RawH2(int port) throws IOException {
        this(port, -1);
    }

    /** @param initialWindow SETTINGS_INITIAL_WINDOW_SIZE to announce (0: the gateway may send no DATA); -1: none */
    public RawH2(int port, int initialWindow) throws IOException {
        this.port = port;
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true); // each frame leaves when written, as a client library's would
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
        ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
        byte[] p = new byte[preface.readableBytes()];
        preface.readBytes(p);
        preface.release();
        out.write(p);
        byte[] settings = initialWindow < 0 ? new byte[0]
                : new byte[] {0, 0x4, (byte) (initialWindow >>> 24), (byte) (initialWindow >>> 16),
                    (byte) (initialWindow >>> 8), (byte) initialWindow};
        frame(0x4, 0, 0, settings); // SETTINGS
    }

    public void request(int stream, String method, String path, boolean endStream) throws IOException {
        headers(stream, new DefaultHttp2Headers().method(method).scheme("http").path(path)
                .authority("127.0.0.1:" + port), endStream);
    }

    /** A HEADERS frame with whatever {@code h} holds, valid or not. */
    public void headers(int stream, Http2Headers h, boolean endStream) throws IOException {
        ByteBuf block = Unpooled.buffer();
        try {
            hpack.encodeHeaders(stream, h, block);
        } catch (io.netty.handler.codec.http2.Http2Exception e) {
            throw new IOException(e);
        }
        byte[] b = new byte[block.readableBytes()];
        block.readBytes(b);
        block.release();
        frame(HEADERS, 0x4 | (endStream ? END_STREAM : 0), stream, b); // END_HEADERS
    }

    public void reset(int stream, long errorCode) throws IOException {
        frame(RST_STREAM, 0, stream, new byte[] {(byte) (errorCode >>> 24), (byte) (errorCode >>> 16),
            (byte) (errorCode >>> 8), (byte) errorCode});
    }

    /** Sends a PING and returns every frame up to its answer: all the gateway wrote before it. */
    public List<Frame> pingAndRead() throws IOException {
        frame(PING, 0, 0, new byte[8]);
        List<Frame> frames = new ArrayList<>();
        while (true) {
            Frame f = read();
            frames.add(f);
            if (f.type == PING && (f.flags & 0x1) != 0) {
                return frames;
            }
        }
    }

    public void data(int stream, String text, boolean endStream) throws IOException {
        frame(DATA, endStream ? END_STREAM : 0, stream, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Every frame up to the answer of a PING sent once the response to the last request ended. */
    public List<Frame> untilPingAck() throws IOException {
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

    public List<Frame> untilReset(int stream) throws IOException {
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
        byte[] whole = java.util.Arrays.copyOf(head, head.length + payload.length);
        System.arraycopy(payload, 0, whole, head.length, payload.length);
        out.write(whole); // one write, one segment: a frame never waits on a delayed ACK for its second half
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
