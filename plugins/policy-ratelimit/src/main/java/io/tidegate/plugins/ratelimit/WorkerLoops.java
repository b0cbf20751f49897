package io.tidegate.plugins.ratelimit;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.lettuce.core.resource.Transports;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandle;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandle;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's worker event loops, as hosts for Redis connections. This plugin runs Lettuce on the
 * gateway's own Netty (provided by the host, never bundled), so a connection can live on the worker
 * that asks: the command is written and its answer read on the request's own thread, with no hand-off
 * to another thread and back (Envoy keeps its rate-limit client on the worker the same way).
 */
final class WorkerLoops {

    private WorkerLoops() {
    }

    /** The Netty event loop running the caller, or null off the gateway's loops (tests, other threads). */
    static EventLoop current() {
        EventExecutor executor = ThreadExecutorMap.currentExecutor();
        return executor instanceof EventLoop loop && loop.inEventLoop() ? loop : null;
    }

    /** Whether Lettuce's transport (epoll when it loads, else NIO) can register its channels on {@code loop}. */
    static boolean canHost(EventLoop loop) {
        Class<? extends IoHandle> handle = EpollSocketChannel.class.isAssignableFrom(Transports.socketChannelClass())
                ? EpollIoHandle.class : NioIoHandle.class;
        return loop instanceof IoEventLoop io && io.isCompatible(handle);
    }

    /** Client resources sharing {@code shared}'s threads and timer whose channels all register on {@code loop}. */
    static ClientResources borrowing(ClientResources shared, EventLoop loop) {
        return shared.mutate()
                // mutate() copies shared's own "shared" flags, which are false for the timer and threads it built
                // itself: given again, they are marked shared, or shutting these resources down would stop the
                // timer and threads of every binding.
                .timer(shared.timer())
                .eventExecutorGroup(shared.eventExecutorGroup())
                .commandLatencyRecorder(shared.commandLatencyRecorder())
                .eventLoopGroupProvider(new BorrowedLoop(loop))
                .build();
    }

    /** Lends one gateway loop to Lettuce; never shuts it down (the gateway owns it). */
    private record BorrowedLoop(EventLoop loop) implements EventLoopGroupProvider {

        @Override
        @SuppressWarnings("unchecked")
        public <T extends EventLoopGroup> T allocate(Class<T> type) {
            return (T) loop;
        }

        @Override
        public int threadPoolSize() {
            return 1;
        }

        @Override
        public Future<Boolean> release(EventExecutorGroup group, long quietPeriod, long timeout, TimeUnit unit) {
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
        }

        @Override
        public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit unit) {
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
        }
    }
}
