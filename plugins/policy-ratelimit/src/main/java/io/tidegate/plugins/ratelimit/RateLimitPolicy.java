package io.tidegate.plugins.ratelimit;

import io.tidegate.spi.model.HeaderEdits;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.plugin.Metrics;
import io.tidegate.spi.policy.ConnectionView;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.RequestView;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One {@code rate-limit} binding: a GCRA bucket per key, local ({@link LocalLimiter}) or global
 * ({@link RedisLimiter}), and optionally a limit of open connections per client.
 */
final class RateLimitPolicy implements Policy {

    private static final String SHARED_KEY = "";

    private final RateLimitSettings settings;
    private final ClientAddress client;
    private final Clock clock;
    private final LocalLimiter local;
    private final RedisLimiter redis;
    private final ConnectionLimiter connections;
    private final long interval;
    private final long burst;
    private final String limitText;
    private final Metrics.Counter allowed;
    private final Metrics.Counter denied;
    private final Metrics.Counter errors;
    private final CompletionStage<Decision> failClosed;
    private final CompletionStage<Decision> connectionRefused;
    private volatile ScheduledFuture<?> sweeper;
    private static final long ERROR_LOG_INTERVAL_NANOS = 10_000_000_000L;
    private final AtomicLong lastErrorLog = new AtomicLong(System.nanoTime() - ERROR_LOG_INTERVAL_NANOS - 1);
    private final System.Logger log;

    RateLimitPolicy(RateLimitSettings settings, Clock clock, LocalLimiter local, RedisLimiter redis, Metrics metrics,
                    System.Logger log) {
        this.settings = settings;
        this.log = log;
        this.client = new ClientAddress(settings.trustedProxies());
        this.clock = clock;
        this.local = local;
        this.redis = redis;
        this.connections = settings.connections() > 0 ? new ConnectionLimiter(settings.connections()) : null;
        this.interval = settings.rate() == null ? 1 : settings.rate().intervalNanos();
        this.burst = settings.burst();
        this.limitText = Long.toString(burst);
        Metrics.CounterFamily decisions = metrics.counter("tidegate_ratelimit_decisions_total",
                "Rate-limit decisions by result (allowed, denied, error: Redis failed and onError decided)", "result");
        this.allowed = decisions.labels("allowed");
        this.denied = decisions.labels("denied");
        this.errors = decisions.labels("error");
        RateLimitSettings.Redis r = settings.redis();
        this.failClosed = r == null || r.failOpen() ? Decision.ALLOW_STAGE
                : CompletableFuture.completedFuture(new Decision.Deny(r.errorStatus(),
                        List.of(new HeaderValue("Retry-After", "1")), "rate limiter unavailable",
                        "rate-limit: Redis unavailable, failing closed"));
        this.connectionRefused = CompletableFuture.completedFuture(
                Decision.deny(429, "", "rate-limit: too many connections from this client"));
    }

    @Override
    public CompletionStage<Decision> evaluate(RequestView request) {
        if (settings.rate() == null) {
            return Decision.ALLOW_STAGE;
        }
        Object key = settings.key().extract(request, client);
        if (key == null) {
            if (!settings.missingKeyShared()) {
                return Decision.ALLOW_STAGE;
            }
            key = SHARED_KEY;
        }
        if (redis == null) {
            long now = clock.millis() * 1_000_000L;
            return decide(local.acquire(key, now));
        }
        String redisKey = settings.redis().prefix() + RateKey.text(key);
        CompletionStage<Long> outcome;
        try {
            outcome = redis.acquire(redisKey);
        } catch (RuntimeException e) {
            outcome = CompletableFuture.failedFuture(e);
        }
        return outcome.handle((o, e) -> e == null ? decide(o) : onRedisError(e)).thenCompose(d -> d);
    }

    private CompletionStage<Decision> onRedisError(Throwable e) {
        errors.increment();
        long now = System.nanoTime();
        long last = lastErrorLog.get();
        if (now - last > ERROR_LOG_INTERVAL_NANOS && lastErrorLog.compareAndSet(last, now)) {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            log.log(System.Logger.Level.WARNING, "rate-limit: Redis could not decide (" + cause + "); failing "
                    + (settings.redis().failOpen() ? "open" : "closed") + " (logged at most every 10s)");
        }
        return failClosed;
    }

    /** The decision for a {@link Gcra} outcome. Allowed without headers allocates nothing. */
    CompletionStage<Decision> decide(long outcome) {
        if (Gcra.allowed(outcome)) {
            allowed.increment();
            if (settings.headers() != RateLimitSettings.HeaderMode.ALWAYS) {
                return Decision.ALLOW_STAGE;
            }
            return CompletableFuture.completedFuture(new Decision.Allow(HeaderEdits.NONE,
                    new HeaderEdits(rateLimitHeaders(outcome), List.of(), List.of())));
        }
        denied.increment();
        String retryAfter = Long.toString(Math.max(1, Gcra.ceilSeconds(Gcra.retryAfterNanos(outcome))));
        List<HeaderValue> headers;
        if (settings.headers() == RateLimitSettings.HeaderMode.NEVER) {
            headers = List.of(new HeaderValue("Retry-After", retryAfter));
        } else {
            List<HeaderValue> rl = rateLimitHeaders(outcome);
            headers = List.of(new HeaderValue("Retry-After", retryAfter), rl.get(0), rl.get(1), rl.get(2));
        }
        return CompletableFuture.completedFuture(new Decision.Deny(settings.status(), headers, "rate limit exceeded",
                "rate-limit: " + settings.rate() + " burst " + burst + " exceeded"));
    }

    private List<HeaderValue> rateLimitHeaders(long outcome) {
        return List.of(new HeaderValue("RateLimit-Limit", limitText),
                new HeaderValue("RateLimit-Remaining", Long.toString(Gcra.remaining(outcome, interval, burst))),
                new HeaderValue("RateLimit-Reset", Long.toString(Gcra.ceilSeconds(Gcra.resetNanos(outcome, interval, burst)))));
    }

    @Override
    public CompletionStage<Decision> onConnection(ConnectionView connection) {
        if (connections == null) {
            return Decision.ALLOW_STAGE;
        }
        return connections.tryOpen(ClientAddress.peer(connection)) ? Decision.ALLOW_STAGE : connectionRefused;
    }

    @Override
    public void onConnectionClosed(ConnectionView connection) {
        if (connections != null) {
            connections.closed(ClientAddress.peer(connection));
        }
    }

    ConnectionLimiter connectionLimiter() {
        return connections;
    }

    RedisLimiter redisLimiter() {
        return redis;
    }

    LocalLimiter localLimiter() {
        return local;
    }

    /** Forgets idle local keys every {@code period}, so memory follows the busy keys, not the peak. */
    void sweepEvery(Duration period, ScheduledExecutorService scheduler) {
        if (local == null) {
            return;
        }
        sweeper = scheduler.scheduleWithFixedDelay(() -> local.sweep(clock.millis() * 1_000_000L),
                period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        ScheduledFuture<?> s = sweeper;
        if (s != null) {
            s.cancel(false);
        }
        if (redis != null) {
            redis.close();
        }
    }
}
