package io.tidegate.kernel.engine;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/** The I/O transport: native epoll when it loads, NIO otherwise (or when asked). */
public final class Transport {

    private static final System.Logger LOG = System.getLogger(Transport.class.getName());

    private final boolean epoll;

    private Transport(boolean epoll) {
        this.epoll = epoll;
    }

    /**
     * @param mode {@code auto}, {@code epoll} or {@code nio}
     * @throws IllegalStateException when epoll is demanded but unavailable
     */
    public static Transport select(String mode) {
        boolean available = Epoll.isAvailable();
        switch (mode) {
            case "nio":
                return new Transport(false);
            case "epoll":
                if (!available) {
                    throw new IllegalStateException("engine.transport: epoll is not available here ("
                            + Epoll.unavailabilityCause() + "); use auto or nio");
                }
                return new Transport(true);
            default:
                if (!available) {
                    LOG.log(System.Logger.Level.INFO, "epoll unavailable, using NIO: " + Epoll.unavailabilityCause());
                }
                return new Transport(available);
        }
    }

    public boolean isEpoll() {
        return epoll;
    }

    /** An event loop group of {@code threads} threads (0: one per core). */
    public EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    public Class<? extends ServerChannel> serverChannel() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public Class<? extends Channel> clientChannel() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    @Override
    public String toString() {
        return epoll ? "epoll" : "nio";
    }
}
