package io.tidegate.kernel.engine;

import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.RequestView;

/**
 * Which route policies allowed one exchange, so that each hears {@link Policy#onRequestComplete} exactly
 * once when the exchange ends, however it ends. Policies decide in chain order and the chain stops at the
 * first that does not allow, so those that allowed are always a prefix of the chain: a count is the whole
 * record. Touched only by the exchange's event loop.
 */
final class PolicyCompletions {

    private static final System.Logger LOG = System.getLogger(PolicyCompletions.class.getName());

    private Policy[] chain;
    private int allowed;
    private boolean ended;

    /**
     * {@code chain[index]} allowed the request ({@code index}: how many allowed before it). When the exchange
     * already ended (an asynchronous allow that outlived its client), the policy hears at once.
     */
    void allowed(Policy[] chain, int index, RequestView request) {
        if (ended) {
            complete(chain[index], request);
            return;
        }
        this.chain = chain;
        this.allowed = index + 1;
    }

    /** The exchange ended: the policies that allowed it hear, in chain order, once. */
    void ended(RequestView request) {
        if (ended) {
            return;
        }
        ended = true;
        for (int i = 0; i < allowed; i++) {
            complete(chain[i], request);
        }
    }

    private static void complete(Policy policy, RequestView request) {
        try {
            policy.onRequestComplete(request);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "policy failed in onRequestComplete", e);
        }
    }
}
