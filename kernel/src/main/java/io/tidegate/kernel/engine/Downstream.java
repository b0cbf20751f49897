package io.tidegate.kernel.engine;

import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpObject;

/**
 * Where an exchange's request comes from and its response goes: an HTTP/1.1 client connection
 * ({@link Http1Downstream}) or one HTTP/2 stream ({@link Http2Downstream}). {@link ProxyFrontendHandler} keeps
 * the exchange's state machine and speaks HTTP/1.1 objects to either; an HTTP/2 stream turns them into frames
 * itself, with no channel or pipeline of its own.
 */
interface Downstream {

    /** More of the request may come: the next read of the connection, or, on a stream, its flow-control window back. */
    void read();

    /** Whether a write now would be sent without queueing (the socket's, or the stream's send window). */
    boolean isWritable();

    /** Whether the connection, or the stream, can still carry a response. */
    boolean isActive();

    /** Queues a response head, body chunk or end (its buffer is the downstream's from here). */
    void write(HttpObject msg);

    void flush();

    /** Writes and flushes; the future completes once the message left for the socket (or failed). */
    ChannelFuture writeAndFlush(HttpObject msg);

    /** Ends the connection, or the stream (reset unless both sides ended it). */
    void close();
}
