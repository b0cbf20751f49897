package io.tidegate.plugins.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A JWKS document fetched with the JDK's non-blocking HTTP client: at start, every
 * {@code refreshInterval}, and when a token names a key id not in the set, at most once per
 * {@code minRefetchInterval} (so a flood of made-up key ids costs the JWKS server one request per
 * interval). The last good set stays in use while a fetch fails.
 */
final class RemoteJwks implements AutoCloseable {

    private final URI uri;
    private final HttpClient client;
    private final Duration timeout;
    private final long maxBytes;
    private final Set<JWSAlgorithm> allowed;
    private final Clock clock;
    private final long minRefetchMillis;
    private final System.Logger log;
    private final ScheduledFuture<?> periodic;
    private final Object lock = new Object();

    private final Runnable onChange;
    private volatile JwtKeys keys;
    private String lastDocument; // guarded by lock
    private CompletableFuture<JwtKeys> inflight; // guarded by lock
    private long lastForcedMillis = Long.MIN_VALUE; // last refetch for an unknown kid; guarded by lock
    private long fetches; // guarded by lock

    RemoteJwks(URI uri, Duration timeout, long maxBytes, Set<JWSAlgorithm> allowed, Clock clock,
               Duration refreshInterval, Duration minRefetchInterval, ScheduledExecutorService scheduler,
               System.Logger log, Runnable onChange) {
        this.onChange = onChange;
        this.uri = uri;
        this.timeout = timeout;
        this.maxBytes = maxBytes;
        this.allowed = allowed;
        this.clock = clock;
        this.minRefetchMillis = minRefetchInterval.toMillis();
        this.log = log;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .build();
        fetch(false);
        long every = refreshInterval.toMillis();
        periodic = scheduler.scheduleWithFixedDelay(() -> fetch(false), every, every, TimeUnit.MILLISECONDS);
    }

    /** The current keys, or null before the first successful fetch. */
    JwtKeys keys() {
        return keys;
    }

    long fetches() {
        synchronized (lock) {
            return fetches;
        }
    }

    /**
     * A fetch in flight or a new one; null when {@code rateLimited} (a refetch for an unknown key id)
     * and the last such refetch started less than {@code minRefetchInterval} ago. Scheduled refreshes
     * do not count against that limit, so a key published just after one is still picked up.
     */
    CompletableFuture<JwtKeys> fetch(boolean rateLimited) {
        CompletableFuture<JwtKeys> started;
        synchronized (lock) {
            if (inflight != null) {
                return inflight;
            }
            if (rateLimited) {
                long now = clock.millis();
                if (lastForcedMillis != Long.MIN_VALUE && now - lastForcedMillis < minRefetchMillis) {
                    return null;
                }
                lastForcedMillis = now;
            }
            started = new CompletableFuture<>();
            inflight = started;
            fetches++;
        }
        CompletableFuture<JwtKeys> result = started;
        try {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("accept", "application/json")
                    .GET().build();
            client.sendAsync(request, BoundedBody.failingAbove(maxBytes)).whenComplete((response, failure) -> {
                JwtKeys next = null;
                String problem = null;
                if (failure != null) {
                    problem = failure.toString();
                } else if (response.statusCode() != 200) {
                    problem = "status " + response.statusCode();
                } else {
                    try {
                        String document = new String(response.body(), StandardCharsets.UTF_8);
                        next = JwtKeys.of(JWKSet.parse(document), allowed);
                        for (String s : next.skipped()) {
                            log.log(System.Logger.Level.DEBUG, "jwt: JWKS " + uri + ": skipped " + s);
                        }
                        boolean changed;
                        synchronized (lock) {
                            changed = lastDocument != null && !lastDocument.equals(document);
                            lastDocument = document;
                        }
                        if (changed) {
                            finish(result, next, null); // the new keys first, then forget what the old ones verified
                            onChange.run();
                            return;
                        }
                    } catch (java.text.ParseException | RuntimeException e) {
                        problem = "not a JWK set: " + e.getMessage();
                    }
                }
                finish(result, next, problem);
            });
        } catch (RuntimeException e) {
            finish(result, null, e.toString());
        }
        return result;
    }

    private void finish(CompletableFuture<JwtKeys> result, JwtKeys next, String problem) {
        if (next != null) {
            keys = next;
        } else {
            log.log(System.Logger.Level.WARNING, "jwt: JWKS fetch from " + uri + " failed (" + problem
                    + "); keeping " + (keys == null ? "no keys" : keys.size() + " known keys"));
        }
        synchronized (lock) {
            if (inflight == result) {
                inflight = null;
            }
        }
        result.complete(next != null ? next : keys);
    }

    @Override
    public void close() {
        periodic.cancel(false);
    }
}
