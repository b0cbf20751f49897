package io.tidegate.plugins.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.RequestView;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * concurrency-limit decisions through the spi: slots per key taken by {@code evaluate} and given back by
 * {@code onRequestComplete}, keys as rate-limit reads them, entries dropped at zero, settings errors, and the
 * limit holding under threads racing on one key.
 */
class ConcurrencyLimitPolicyTest {

    private final TestContext context = new TestContext();

    @AfterEach
    void close() {
        context.close();
    }

    private ConcurrencyLimitPolicy policy(String yaml) {
        return (ConcurrencyLimitPolicy) new ConcurrencyLimitFactory().create(TestContext.settings(yaml), context);
    }

    private static String outcome(Policy p, RequestView r) {
        Decision d = p.evaluate(r).toCompletableFuture().join();
        return d instanceof Decision.Deny deny ? Integer.toString(deny.status()) : "ok";
    }

    @Test
    void theRequestOverTheLimitPerClientIpIsDeniedWith503UntilOneCompletes() {
        ConcurrencyLimitPolicy p = policy("limit: 2");
        RequestView a1 = Fakes.request("192.0.2.1", "r");
        RequestView a2 = Fakes.request("192.0.2.1", "r");
        RequestView a3 = Fakes.request("192.0.2.1", "r");
        assertThat(outcome(p, a1)).isEqualTo("ok");
        assertThat(outcome(p, a2)).isEqualTo("ok");
        Decision.Deny deny = (Decision.Deny) p.evaluate(a3).toCompletableFuture().join();
        assertThat(deny.status()).isEqualTo(503);
        assertThat(deny.body()).isEqualTo("too many requests in flight");
        // Another client has its own count.
        assertThat(outcome(p, Fakes.request("192.0.2.2", "r"))).isEqualTo("ok");
        p.onRequestComplete(a1);
        assertThat(outcome(p, a3)).isEqualTo("ok");
        assertThat(p.limiter().inFlight(Fakes.ip("192.0.2.1"))).isEqualTo(2);
        assertThat(context.counter("tidegate_concurrency_limit_decisions_total", "denied")).isEqualTo(1);
    }

    @Test
    void entriesLeaveTheMapWhenTheirCountDropsToZero() {
        ConcurrencyLimitPolicy p = policy("limit: 5");
        List<RequestView> requests = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            RequestView r = Fakes.request("192.0.2." + (i % 50 + 1), "r");
            assertThat(outcome(p, r)).isEqualTo("ok");
            requests.add(r);
        }
        assertThat(p.limiter().keys()).isEqualTo(50);
        requests.forEach(p::onRequestComplete);
        assertThat(p.limiter().keys()).isZero();
    }

    @Test
    void keysUseTheRateLimitSyntax() {
        ConcurrencyLimitPolicy byHeader = policy("limit: 1\nkey: header:X-Tenant");
        RequestView t1 = Fakes.request("192.0.2.1", "r", "X-Tenant", "t1");
        assertThat(outcome(byHeader, t1)).isEqualTo("ok");
        assertThat(outcome(byHeader, Fakes.request("192.0.2.2", "r", "x-tenant", "t1"))).isEqualTo("503");
        assertThat(outcome(byHeader, Fakes.request("192.0.2.1", "r", "X-Tenant", "t2"))).isEqualTo("ok");
        // A missing key part is not limited (missingKey: skip), and completing it releases nothing.
        RequestView none = Fakes.request("192.0.2.1", "r");
        assertThat(outcome(byHeader, none)).isEqualTo("ok");
        assertThat(outcome(byHeader, none)).isEqualTo("ok");
        byHeader.onRequestComplete(none);
        assertThat(byHeader.limiter().inFlight("t1")).isEqualTo(1);

        ConcurrencyLimitPolicy shared = policy("limit: 1\nkey: [header:X-Tenant]\nmissingKey: shared");
        assertThat(outcome(shared, Fakes.request("192.0.2.1", "r"))).isEqualTo("ok");
        assertThat(outcome(shared, Fakes.request("192.0.2.2", "r"))).isEqualTo("503");

        ConcurrencyLimitPolicy perRoute = policy("limit: 1\nkey: [client-ip, route]\nstatus: 429");
        assertThat(outcome(perRoute, Fakes.request("192.0.2.1", "a"))).isEqualTo("ok");
        assertThat(outcome(perRoute, Fakes.request("192.0.2.1", "b"))).isEqualTo("ok");
        assertThat(outcome(perRoute, Fakes.request("192.0.2.1", "a"))).isEqualTo("429");

        ConcurrencyLimitPolicy behindProxy = policy("limit: 1\ntrustedProxies: [10.0.0.0/8]");
        assertThat(outcome(behindProxy, Fakes.request("10.0.0.1", "r", "X-Forwarded-For", "198.51.100.1")))
                .isEqualTo("ok");
        assertThat(outcome(behindProxy, Fakes.request("10.0.0.2", "r", "X-Forwarded-For", "198.51.100.1")))
                .isEqualTo("503");
        assertThat(outcome(behindProxy, Fakes.request("10.0.0.2", "r", "X-Forwarded-For", "198.51.100.2")))
                .isEqualTo("ok");
    }

    @Test
    void theLimitHoldsWhileThreadsRaceOnOneKey() throws Exception {
        int limit = 3;
        int threads = 4;
        int rounds = 20_000;
        ConcurrencyLimitPolicy p = policy("limit: " + limit);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        AtomicInteger admitted = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    RequestView r = Fakes.request("192.0.2.9", "r");
                    go.await();
                    for (int i = 0; i < rounds; i++) {
                        if (outcome(p, r).equals("ok")) {
                            admitted.incrementAndGet();
                            maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            inside.decrementAndGet();
                            p.onRequestComplete(r);
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(maxInside.get()).isLessThanOrEqualTo(limit);
        assertThat(admitted.get()).as("slots were given back and reused").isGreaterThan(rounds);
        assertThat(p.limiter().keys()).as("every slot released: no entry left").isZero();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "status: 503              | tidegate.yaml:1:1: needs 'limit' (requests in flight per key, e.g. limit: 10)",
            "limit: 0                 | tidegate.yaml:1:8: limit: 0 (expected: 1 to 100000000)",
            "limit: many              | tidegate.yaml:1:8: limit: 'many' is not an integer",
            "limit: 5\\nstatus: 200   | tidegate.yaml:2:9: status: 200 (expected: 400 to 599)",
            "limit: 5\\nkey: [ip]     | tidegate.yaml:2:7: key[0]: 'ip' is not a key part (expected: client-ip, route, header:NAME, claim:NAME)",
            "limit: 5\\nmissingKey: deny | tidegate.yaml:2:13: missingKey: 'deny' (expected one of: skip, shared)",
            "limit: 5\\nrate: 10/s    | tidegate.yaml:2:7: rate: unknown key (expected one of: ipv6Prefix, jwtHeader, key, limit, missingKey, status, trustedProxies)",
    })
    void badSettingsNameTheKey(String yaml, String message) {
        assertThatThrownBy(() -> policy(yaml.replace("\\n", "\n"))).isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }
}
