package io.tidegate.plugins.auth;

import io.tidegate.spi.plugin.Metrics;
import io.tidegate.spi.policy.Decision;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Counts decisions in {@code tidegate_auth_decisions_total{policy, result}}, result being
 * {@code allowed}, {@code denied} (a 3xx or 4xx answer) or {@code unavailable} (the check could not be
 * made: 5xx). Counter children are looked up once; a completed decision is counted without allocating.
 */
final class Outcomes {

    private final Metrics.Counter allowed;
    private final Metrics.Counter denied;
    private final Metrics.Counter unavailable;

    Outcomes(Metrics metrics, String policy) {
        Metrics.CounterFamily family = metrics.counter("tidegate_auth_decisions_total",
                "Decisions of the auth policies, by policy and result.", "policy", "result");
        allowed = family.labels(policy, "allowed");
        denied = family.labels(policy, "denied");
        unavailable = family.labels(policy, "unavailable");
    }

    CompletionStage<Decision> count(CompletionStage<Decision> stage) {
        if (stage instanceof CompletableFuture<Decision> f && f.isDone() && !f.isCompletedExceptionally()) {
            count(f.join());
            return stage;
        }
        return stage.thenApply(d -> {
            count(d);
            return d;
        });
    }

    private void count(Decision d) {
        if (d instanceof Decision.Deny deny) {
            (deny.status() >= 500 ? unavailable : denied).increment();
        } else {
            allowed.increment();
        }
    }
}
