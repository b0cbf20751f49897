package io.tidegate.plugins.auth;

import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** Helpers to read decisions in tests. */
final class Decisions {

    private Decisions() {
    }

    static Decision await(CompletionStage<Decision> stage) {
        try {
            return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("decision did not complete", e);
        }
    }

    static Decision decide(Policy policy, FakeRequest request) {
        return await(policy.evaluate(request));
    }

    /** A short text of a decision, for table-driven assertions: "allow", "401", ... */
    static String outcome(Decision d) {
        return d instanceof Decision.Deny deny ? Integer.toString(deny.status()) : "allow";
    }

    static String header(Decision.Deny deny, String name) {
        return deny.headers().stream().filter(h -> h.name().equalsIgnoreCase(name)).map(HeaderValue::value)
                .findFirst().orElse(null);
    }

    static String setHeader(Decision d, String name) {
        return ((Decision.Allow) d).requestHeaders().set().stream().filter(h -> h.name().equalsIgnoreCase(name))
                .map(HeaderValue::value).findFirst().orElse(null);
    }
}
