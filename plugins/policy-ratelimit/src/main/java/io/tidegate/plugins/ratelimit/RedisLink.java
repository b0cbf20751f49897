package io.tidegate.plugins.ratelimit;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import java.net.SocketAddress;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One Lettuce client and its connection to Redis. The first connection is retried in the background
 * (250 ms doubling to 5 s); once connected, Lettuce reconnects by itself. {@link #connection()} is null
 * until then, so callers never wait for it.
 */
final class RedisLink {

    private final RedisClient client;
    private final RedisURI uri;
    private final ScheduledExecutorService scheduler;
    private final Consumer<Throwable> onFirstFailure;
    private final Runnable onConnected;
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile boolean closed;
    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private final Queue<CompletableFuture<Void>> connectWaiters = new ConcurrentLinkedQueue<>();

    /**
     * @param onFirstFailure told about the first failed attempt only (the caller logs it once)
     * @param onConnected    told when the first connection is up
     */
    RedisLink(ClientResources resources, RedisLinkOptions options, RedisURI uri, ScheduledExecutorService scheduler,
              Consumer<Throwable> onFirstFailure, Runnable onConnected) {
        this.client = RedisClient.create(resources);
        this.client.setOptions(options.clientOptions());
        this.uri = uri;
        this.scheduler = scheduler;
        this.onFirstFailure = onFirstFailure;
        this.onConnected = onConnected;
        this.client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {
                for (CompletableFuture<Void> w; (w = connectWaiters.poll()) != null; ) {
                    w.complete(null);
                }
            }
        });
    }

    /** Starts connecting; returns at once. */
    void start() {
        connect(0);
    }

    private void connect(int attempt) {
        if (closed) {
            return;
        }
        client.connectAsync(StringCodec.UTF8, uri).whenComplete((c, error) -> {
            if (closed) { // closed while connecting (the policy was replaced): a failure here is our own doing
                if (c != null) {
                    c.closeAsync();
                }
                return;
            }
            if (error == null) {
                connection = c;
                connected.complete(null);
                onConnected.run();
                return;
            }
            if (attempt == 0) {
                onFirstFailure.accept(error);
            }
            long delayMs = Math.min(5000, 250L << Math.min(attempt, 5));
            try {
                scheduler.schedule(() -> connect(attempt + 1), delayMs, TimeUnit.MILLISECONDS);
            } catch (RuntimeException shutDown) {
                // the gateway is stopping
            }
        });
    }

    /** Completes once the first connection is made. */
    CompletableFuture<Void> connected() {
        return connected;
    }

    /** Completes when Lettuce next reports the connection (re)connected (tests await a reconnect). */
    CompletableFuture<Void> nextConnect() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        connectWaiters.add(f);
        return f;
    }

    /** The connection once made (it may be reconnecting), else null. */
    StatefulRedisConnection<String, String> connection() {
        return connection;
    }

    boolean isConnected() {
        StatefulRedisConnection<String, String> c = connection;
        return c != null && c.isOpen();
    }

    /** Closes the client and with it the connection; completes when the client has shut down. */
    CompletableFuture<Void> close() {
        closed = true;
        return client.shutdownAsync(0, 2, TimeUnit.SECONDS);
    }
}
