package io.tidegate.plugins.ratelimit;

import io.tidegate.spi.plugin.Metrics;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.RequestView;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One {@code concurrency-limit} binding: at most {@code limit} requests in flight per key (nginx's
 * {@code limit_conn}, ingress-nginx's {@code limit-connections}). A slot is taken in {@link #evaluate} and
 * given back in {@link #onRequestComplete}, which the kernel calls exactly once for every request this
 * policy allowed. The key is extracted again there: it is a pure function of the request head, which does
 * not change during the exchange.
 */
final class ConcurrencyLimitPolicy implements Policy {

    private static final String SHARED_KEY = "";

    private final KeySettings keys;
    private final ClientAddress client;
    private final ConcurrencyLimiter limiter;
    private final CompletionStage<Decision> denial;
    private final Metrics.Counter allowed;
    private final Metrics.Counter denied;

    ConcurrencyLimitPolicy(ConcurrencyLimitSettings settings, Metrics metrics) {
        this.keys = settings.keys();
        this.client = new ClientAddress(keys.trustedProxies());
        this.limiter = new ConcurrencyLimiter(settings.limit());
        this.denial = CompletableFuture.completedFuture(Decision.deny(settings.status(), "too many requests in flight",
                "concurrency-limit: " + settings.limit() + " requests in flight for this key"));
        Metrics.CounterFamily decisions = metrics.counter("tidegate_concurrency_limit_decisions_total",
                "concurrency-limit decisions by result (allowed, denied)", "result");
        this.allowed = decisions.labels("allowed");
        this.denied = decisions.labels("denied");
    }

    @Override
    public CompletionStage<Decision> evaluate(RequestView request) {
        Object key = key(request);
        if (key == null) {
            return Decision.ALLOW_STAGE; // missingKey: skip; onRequestComplete finds no key either
        }
        if (limiter.tryAcquire(key)) {
            allowed.increment();
            return Decision.ALLOW_STAGE;
        }
        denied.increment();
        return denial;
    }

    @Override
    public void onRequestComplete(RequestView request) {
        Object key = key(request);
        if (key != null) {
            limiter.release(key);
        }
    }

    private Object key(RequestView request) {
        Object key = keys.key().extract(request, client);
        return key == null && keys.missingKeyShared() ? SHARED_KEY : key;
    }

    ConcurrencyLimiter limiter() {
        return limiter;
    }
}
