package io.tidegate.plugins.ratelimit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Global buckets in Redis: one {@code EVALSHA} of a GCRA script per decision (one round trip, atomic
 * in Redis), on Lettuce's asynchronous API over one multiplexed connection. The script reads Redis's
 * own clock ({@code TIME}), so replicas with skewed clocks still share one bucket exactly.
 *
 * <p>Failures never block: while disconnected, commands are rejected at once (Lettuce's
 * {@code REJECT_COMMANDS}) rather than queued; a command that takes longer than {@code timeout} fails;
 * Lettuce reconnects by itself once connected, and the first connection is retried in the background.
 * The caller maps a failure to fail-open or fail-closed.
 */
final class RedisLimiter implements AutoCloseable {

    /** KEYS[1] the bucket; ARGV[1] interval (us), ARGV[2] burst. Returns {allowed 1/0, value us}. */
    static final String SCRIPT = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
            local interval = tonumber(ARGV[1])
            local burst = tonumber(ARGV[2])
            local tat = now
            local stored = redis.call('GET', KEYS[1])
            if stored then
              tat = tonumber(stored)
              if tat < now then tat = now end
            end
            local new_tat = tat + interval
            local allow_at = new_tat - burst * interval
            if allow_at > now then
              return {0, allow_at - now}
            end
            redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
            return {1, new_tat - now}
            """;

    static final String SHA = sha1(SCRIPT);

    private final System.Logger log;
    private final RedisURI uri;
    private final ClientResources resources;
    private final RedisClient client;
    private final ScheduledExecutorService scheduler;
    private final String intervalMicros;
    private final String burst;
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile boolean closed;

    RedisLimiter(RedisURI uri, Duration timeout, long intervalNanos, long burst, ScheduledExecutorService scheduler,
                 System.Logger log) {
        this.uri = uri;
        this.log = log;
        this.scheduler = scheduler;
        this.intervalMicros = Long.toString(Math.max(1, intervalNanos / 1000));
        this.burst = Long.toString(burst);
        this.resources = LettuceResources.acquire();
        this.client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).keepAlive(true).build())
                .build());
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
                log.log(System.Logger.Level.INFO, "rate-limit: connected to Redis " + uri.getHost() + ":" + uri.getPort());
                return;
            }
            if (attempt == 0) {
                log.log(System.Logger.Level.WARNING, "rate-limit: cannot connect to Redis " + uri.getHost() + ":"
                        + uri.getPort() + " (" + describe(error) + "); retrying in the background");
            }
            long delayMs = Math.min(5000, 250L << Math.min(attempt, 5));
            try {
                scheduler.schedule(() -> connect(attempt + 1), delayMs, TimeUnit.MILLISECONDS);
            } catch (RuntimeException shutDown) {
                // the gateway is stopping
            }
        });
    }

    /** Takes one request for {@code key}; completes with a {@link Gcra} outcome, or exceptionally. */
    CompletionStage<Long> acquire(String key) {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("not connected to Redis"));
        }
        String[] keys = {key};
        return c.async().<List<Object>>evalsha(SHA, ScriptOutputType.MULTI, keys, intervalMicros, burst)
                .handle((r, e) -> e == null ? CompletableFuture.completedFuture(r) : retryWithScript(c, keys, e))
                .thenCompose(f -> f)
                .thenApply(RedisLimiter::outcome);
    }

    /** After a Redis restart the script cache is empty: EVAL loads the script again (and caches it). */
    private CompletionStage<List<Object>> retryWithScript(StatefulRedisConnection<String, String> c, String[] keys,
                                                          Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof RedisNoScriptException) {
            return c.async().eval(SCRIPT, ScriptOutputType.MULTI, keys, intervalMicros, burst);
        }
        return CompletableFuture.failedFuture(cause);
    }

    private static long outcome(List<Object> r) {
        long allowed = (Long) r.get(0);
        long micros = (Long) r.get(1);
        long nanos = Math.multiplyExact(micros, 1000L);
        return allowed == 1 ? nanos : -Math.max(1, nanos);
    }

    boolean isConnected() {
        StatefulRedisConnection<String, String> c = connection;
        return c != null && c.isOpen();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        StatefulRedisConnection<String, String> c = connection;
        if (c != null) {
            c.closeAsync();
        }
        client.shutdownAsync(0, 2, TimeUnit.SECONDS).whenComplete((ok, e) -> LettuceResources.release());
    }

    /** The causes' messages, without the wrappers that say nothing (CompletionException). */
    private static String describe(Throwable error) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = error; t != null && sb.length() < 500; t = t.getCause()) {
            if (t instanceof java.util.concurrent.CompletionException) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append(": ");
            }
            sb.append(t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
        }
        return sb.toString();
    }

    private static String sha1(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
