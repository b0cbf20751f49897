package io.tidegate.kernel.engine;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslClientHelloHandler;
import io.netty.util.concurrent.Future;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads a TLS ClientHello without terminating TLS, for {@code tls-passthrough} listeners. Netty's
 * {@link SslClientHelloHandler} buffers the TLS records (a hello split across TCP segments or TLS records
 * included) up to a size limit without consuming them; once the whole hello is in, this handler fires a
 * {@link Hello} event with its SNI name and leaves the pipeline, and the buffered bytes flow on, unchanged,
 * to the next handler, which replays them to the upstream.
 *
 * <p>Bytes that are not a TLS handshake (or a hello that does not parse) fire {@link Hello#MALFORMED};
 * an alert or change-cipher-spec record before the hello, or a hello over the limit, surfaces as an
 * exception. Either way the connection is closed by the next handler.
 */
final class ClientHelloSniffer extends SslClientHelloHandler<Void> {

    /**
     * The outcome of reading the ClientHello.
     *
     * @param serverName the SNI host name, lower case; null when the hello carries none
     * @param malformed the bytes were not a parsable ClientHello
     */
    record Hello(String serverName, boolean malformed) {
        static final Hello MALFORMED = new Hello(null, true);
    }

    ClientHelloSniffer(int maxClientHelloBytes) {
        super(maxClientHelloBytes);
    }

    @Override
    protected Future<Void> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) {
        Hello hello;
        if (clientHello == null) {
            hello = Hello.MALFORMED; // not a TLS handshake at all
        } else {
            try {
                hello = new Hello(serverName(clientHello), false);
            } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
                hello = Hello.MALFORMED;
            }
        }
        ctx.fireUserEventTriggered(hello);
        return ctx.executor().newSucceededFuture(null);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, Future<Void> future) {
        if (ctx.pipeline().context(this) != null) {
            ctx.pipeline().remove(this); // what it buffered goes on to the next handler
        }
    }

    /**
     * The SNI host name of a ClientHello body (RFC 8446 section 4.1.2, RFC 6066 section 3), or null when it
     * has no server_name extension.
     *
     * @throws IllegalArgumentException or {@link IndexOutOfBoundsException} when a length runs past its
     *                                  enclosing structure
     */
    static String serverName(ByteBuf hello) {
        int end = hello.writerIndex();
        int at = hello.readerIndex() + 2 + 32; // legacy_version, random
        at = skip(at + 1, u8(hello, at, end), end); // legacy_session_id
        at = skip(at + 2, u16(hello, at, end), end); // cipher_suites
        at = skip(at + 1, u8(hello, at, end), end); // legacy_compression_methods
        if (at == end) {
            return null; // no extensions (a TLS 1.2 hello may have none)
        }
        int extensionsEnd = skip(at + 2, u16(hello, at, end), end);
        at += 2;
        while (at < extensionsEnd) {
            int type = u16(hello, at, extensionsEnd);
            int body = at + 4;
            int next = skip(body, u16(hello, at + 2, extensionsEnd), extensionsEnd);
            if (type == 0) { // server_name: a list of (name_type, name)
                int listEnd = skip(body + 2, u16(hello, body, next), next);
                for (int entry = body + 2; entry < listEnd; ) {
                    int nameType = u8(hello, entry, listEnd);
                    int nameLength = u16(hello, entry + 1, listEnd);
                    int nameEnd = skip(entry + 3, nameLength, listEnd);
                    if (nameType == 0) { // host_name
                        if (nameLength == 0) {
                            throw new IllegalArgumentException("empty host_name");
                        }
                        return hello.toString(entry + 3, nameLength, StandardCharsets.US_ASCII)
                                .toLowerCase(Locale.ROOT);
                    }
                    entry = nameEnd;
                }
                return null;
            }
            at = next;
        }
        return null;
    }

    private static int u8(ByteBuf b, int at, int limit) {
        skip(at, 1, limit);
        return b.getUnsignedByte(at);
    }

    private static int u16(ByteBuf b, int at, int limit) {
        skip(at, 2, limit);
        return b.getUnsignedShort(at);
    }

    /** {@code from + length}, checked to stay within {@code limit}. */
    private static int skip(int from, int length, int limit) {
        int to = from + length;
        if (to > limit) {
            throw new IllegalArgumentException("length " + length + " at " + from + " runs past " + limit);
        }
        return to;
    }
}
