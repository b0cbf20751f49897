package io.tidegate.plugins.ratelimit;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.netty.channel.EventLoop;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Global buckets in Redis: one {@code EVALSHA} of a GCRA script per decision (one round trip, atomic
 * in Redis), on Lettuce's asynchronous API. The script reads Redis's own clock ({@code TIME}), so
 * replicas with skewed clocks still share one bucket exactly.
 *
 * <p>Each gateway worker gets a connection of its own, made on its first decision and living on that
 * worker's event loop ({@link WorkerLoops}): the command goes out and its answer comes back on the
 * request's thread. Until a worker's connection is up, while it reconnects, for callers off the
 * workers, and with TLS ({@code rediss://}), decisions use a shared connection on Lettuce's own I/O threads.
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
    private final RedisLinkOptions options;
    private final ClientResources resources;
    private final ScheduledExecutorService scheduler;
    private final String intervalMicros;
    private final String burst;
    private final RedisLink shared;
    private final Map<EventLoop, WorkerLink> workers = new ConcurrentHashMap<>();
    private boolean closed; // guarded by this
    private boolean toldSharedOnly; // guarded by this
    private CompletableFuture<Void> closing; // guarded by this; set by close()

    /**
     * A worker's connection and the client resources that bind it to the worker's loop; both null for a
     * loop that cannot host Lettuce's channels (another transport), or with TLS: the shared one serves those.
     */
    private record WorkerLink(RedisLink link, ClientResources resources) {
        static final WorkerLink NONE = new WorkerLink(null, null);

        /** Shuts the client down, then the resources that lent it the loop (never the loop itself). */
        CompletableFuture<Void> close() {
            return link.close().handle((ok, e) -> null).thenCompose(x -> {
                CompletableFuture<Void> done = new CompletableFuture<>();
                resources.shutdown(0, 2, TimeUnit.SECONDS).addListener(f -> done.complete(null));
                return done;
            });
        }
    }

    RedisLimiter(RedisURI uri, Duration timeout, long intervalNanos, long burst, ScheduledExecutorService scheduler,
                 System.Logger log) {
        this.uri = uri;
        this.log = log;
        this.scheduler = scheduler;
        this.options = new RedisLinkOptions(timeout);
        this.intervalMicros = Long.toString(Math.max(1, intervalNanos / 1000));
        this.burst = Long.toString(burst);
        this.resources = LettuceResources.acquire();
        this.shared = new RedisLink(resources, options, uri, scheduler,
                error -> log.log(System.Logger.Level.WARNING, "rate-limit: cannot connect to Redis " + where()
                        + " (" + describe(error) + "); retrying in the background"),
                () -> log.log(System.Logger.Level.INFO, "rate-limit: connected to Redis " + where()));
        shared.start();
    }

    private String where() {
        return uri.getHost() + ":" + uri.getPort();
    }

    /** Takes one request for {@code key}; completes with a {@link Gcra} outcome, or exceptionally. */
    CompletionStage<Long> acquire(String key) {
        StatefulRedisConnection<String, String> c = connectionForCaller();
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

    /** The caller's worker connection when it is up, else the shared one (null before it ever connected). */
    private StatefulRedisConnection<String, String> connectionForCaller() {
        EventLoop loop = WorkerLoops.current();
        if (loop != null) {
            WorkerLink worker = workers.get(loop);
            if (worker == null) {
                worker = startOn(loop);
            }
            StatefulRedisConnection<String, String> c = worker == null || worker.link() == null ? null
                    : worker.link().connection();
            if (c != null && c.isOpen()) {
                return c;
            }
        }
        return shared.connection();
    }

    /** Makes {@code loop}'s worker connection (connecting off the loop), or marks a loop Lettuce cannot run on. */
    private synchronized WorkerLink startOn(EventLoop loop) {
        WorkerLink worker = workers.get(loop);
        if (worker != null || closed) {
            return worker;
        }
        // Lettuce builds a TLS context for every connection it makes (reading key and trust material): work for
        // its own threads, never a worker's.
        String sharedOnly = uri.isSsl() ? "the Redis connection uses TLS"
                : !WorkerLoops.canHost(loop) ? "the gateway's event loops use another transport than Lettuce's" : null;
        if (sharedOnly != null) {
            if (!toldSharedOnly) {
                toldSharedOnly = true;
                log.log(System.Logger.Level.INFO, "rate-limit: " + sharedOnly + "; Redis decisions use the shared"
                        + " connection on Lettuce's own threads");
            }
            workers.put(loop, WorkerLink.NONE);
            return WorkerLink.NONE;
        }
        ClientResources onLoop = WorkerLoops.borrowing(resources, loop);
        RedisLink link = new RedisLink(onLoop, options, uri, scheduler,
                error -> log.log(System.Logger.Level.DEBUG, "rate-limit: a worker cannot connect to Redis " + where()
                        + " yet (" + describe(error) + "); it uses the shared connection meanwhile"),
                () -> log.log(System.Logger.Level.DEBUG, "rate-limit: a worker connected to Redis " + where()));
        worker = new WorkerLink(link, onLoop);
        workers.put(loop, worker);
        try {
            scheduler.execute(link::start);
        } catch (RuntimeException shutDown) {
            // the gateway is stopping
        }
        return worker;
    }

    /** The shared connection's link (tests await its connection). */
    RedisLink sharedLink() {
        return shared;
    }

    /** {@code loop}'s worker link, null when it has none (yet); tests await its connection. */
    RedisLink workerLink(EventLoop loop) {
        WorkerLink w = workers.get(loop);
        return w == null ? null : w.link();
    }

    /** How many worker connections are up (tests). */
    int workerConnections() {
        return (int) workers.values().stream().filter(w -> w.link() != null && w.link().isConnected()).count();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<CompletableFuture<?>> shutdowns = new ArrayList<>();
        shutdowns.add(shared.close());
        for (WorkerLink w : workers.values()) {
            if (w != WorkerLink.NONE) {
                shutdowns.add(w.close());
            }
        }
        closing = CompletableFuture.allOf(shutdowns.toArray(CompletableFuture[]::new))
                .handle((ok, e) -> null)
                .thenRun(LettuceResources::release);
    }

    /** Completes when close() has shut every client and resource down (tests). */
    synchronized CompletableFuture<Void> closing() {
        return closing;
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
