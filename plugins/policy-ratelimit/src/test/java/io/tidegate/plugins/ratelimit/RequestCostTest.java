package io.tidegate.plugins.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.RequestView;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a local decision costs: no allocation on the allowed path for one-part keys (client IP,
 * header, route), and its time per call printed for the record (the bench measures it for real).
 */
class RequestCostTest {

    private final TestContext context = new TestContext();

    @AfterEach
    void close() {
        context.close();
    }

    @Test
    void anAllowedLocalDecisionAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (String key : new String[] {"client-ip", "header:x-api-key", "route"}) {
            Policy p = new RateLimitFactory().create(TestContext.settings(
                    "rate: 1000000000/s\nburst: 1000000\nkey: " + key + "\n"), context);
            RequestView r = Fakes.request("192.0.2.1", "app", "x-api-key", "k1");
            int n = 200_000;
            for (int i = 0; i < n; i++) { // warm up: let the JIT compile the path
                p.evaluate(r);
            }
            long threadId = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(threadId);
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                if (p.evaluate(r) != Decision.ALLOW_STAGE) {
                    throw new AssertionError("denied at " + i);
                }
            }
            long nanos = System.nanoTime() - start;
            long allocated = threads.getThreadAllocatedBytes(threadId) - before;
            System.out.printf("rate-limit local key %s: %.1f ns and %.3f bytes per allowed decision%n",
                    key, (double) nanos / n, (double) allocated / n);
            assertThat(allocated).as(key + ": bytes allocated over " + n + " decisions").isLessThan(n / 10);
        }
    }
}
