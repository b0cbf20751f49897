package io.tidegate.kernel.engine;

import java.util.concurrent.ThreadLocalRandom;

/** Whether an injected fault happens to this request. */
final class Faults {

    private Faults() {
    }

    /** True for {@code percent} of the calls, at random (0: never, 100: always). */
    static boolean happens(double percent) {
        return percent >= 100 || (percent > 0 && ThreadLocalRandom.current().nextDouble(100) < percent);
    }
}
