package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tidegate.kernel.testing.NoLeaks;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The ClientHello reader of tls-passthrough listeners, on hellos made by the JDK's own TLS client. */
@ExtendWith(NoLeaks.class)
class ClientHelloSnifferTest {

    /** A real ClientHello TLS record from the JDK client, with {@code sni} (null: none). */
    static byte[] clientHello(String sni) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, null, null);
        SSLEngine engine = ctx.createSSLEngine();
        engine.setUseClientMode(true);
        if (sni != null) {
            SSLParameters p = engine.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(sni)));
            engine.setSSLParameters(p);
        }
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] record = new byte[out.remaining()];
        out.get(record);
        return record;
    }

    /** The ClientHello body inside a record: after the 5-byte record and 4-byte handshake headers. */
    static byte[] body(byte[] record) {
        return Arrays.copyOfRange(record, 9, record.length);
    }

    @Test
    void readsTheSniNameLowerCasedOrNullWithoutOne() throws Exception {
        assertThat(ClientHelloSniffer.serverName(Unpooled.wrappedBuffer(body(clientHello("Api.Example.COM")))))
                .isEqualTo("api.example.com");
        assertThat(ClientHelloSniffer.serverName(Unpooled.wrappedBuffer(body(clientHello(null))))).isNull();
    }

    @Test
    void aTruncatedHelloIsMalformedNotNameless() throws Exception {
        byte[] body = body(clientHello("api.example.com"));
        for (int cut : new int[] {1, 10, body.length / 2, body.length - 40}) {
            byte[] shorter = Arrays.copyOf(body, body.length - cut);
            assertThatThrownBy(() -> ClientHelloSniffer.serverName(Unpooled.wrappedBuffer(shorter)))
                    .as("cut " + cut).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aHelloArrivingInPiecesIsReadWholeAndPassedOnUnchanged() throws Exception {
        byte[] record = clientHello("db.example.com");
        List<Object> events = new ArrayList<>();
        ByteBuf passed = Unpooled.buffer();
        EmbeddedChannel ch = new EmbeddedChannel(new ClientHelloSniffer(64 * 1024), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf b = (ByteBuf) msg;
                passed.writeBytes(b);
                b.release();
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
            }
        });
        ch.writeInbound(Unpooled.wrappedBuffer(record, 0, 3));
        ch.writeInbound(Unpooled.wrappedBuffer(record, 3, 40));
        assertThat(events).as("nothing decided on part of a hello").isEmpty();
        ch.writeInbound(Unpooled.wrappedBuffer(record, 43, record.length - 43));
        assertThat(events).containsExactly(new ClientHelloSniffer.Hello("db.example.com", false));
        assertThat(ch.pipeline().get(ClientHelloSniffer.class)).as("gone once the hello is read").isNull();
        byte[] out = new byte[passed.readableBytes()];
        passed.readBytes(out);
        passed.release();
        assertThat(out).as("every byte passed on, as it came").isEqualTo(record);
        ch.finishAndReleaseAll();
    }

    @Test
    void bytesThatAreNoTlsHandshakeAreMalformed() {
        List<Object> events = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new ClientHelloSniffer(64 * 1024), new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        });
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n\r\n", java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(events).containsExactly(ClientHelloSniffer.Hello.MALFORMED);
        ch.finishAndReleaseAll();
    }
}
