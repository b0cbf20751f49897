package io.tidegate.kernel.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Ring hash and Maglev: deterministic, weighted, and moving few keys when the endpoint set changes. */
class ConsistentHashTest {

    private static final int KEYS = 100_000;

    private static BiFunction<String[], int[], HashBalancer> balancer(String kind) {
        return kind.equals("ring-hash") ? RingHash::new : Maglev::new;
    }

    private static String[] endpoints(int n) {
        return IntStream.range(0, n).mapToObj(i -> "10.0.0." + i + ":8080").toArray(String[]::new);
    }

    private static int[] ones(int n) {
        int[] w = new int[n];
        java.util.Arrays.fill(w, 1);
        return w;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring-hash", "maglev"})
    void theSameKeyPicksTheSameEndpointInEveryInstance(String kind) {
        HashBalancer one = balancer(kind).apply(endpoints(5), ones(5));
        HashBalancer two = balancer(kind).apply(endpoints(5), ones(5)); // another gateway, another generation
        for (int i = 0; i < 1000; i++) {
            long h = Hashing.hash("user-" + i);
            assertThat(one.pick(h)).isEqualTo(two.pick(h)).isEqualTo(one.pick(h));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring-hash", "maglev"})
    void sharesFollowTheWeights(String kind) {
        HashBalancer b = balancer(kind).apply(endpoints(3), new int[] {1, 2, 1});
        int[] counts = new int[3];
        for (int i = 0; i < KEYS; i++) {
            counts[b.pick(Hashing.hash("key-" + i))]++;
        }
        // 25% / 50% / 25%, within 3 points: consistent hashing is only statistically even.
        assertThat(counts[0]).isBetween(22_000, 28_000);
        assertThat(counts[1]).isBetween(47_000, 53_000);
        assertThat(counts[2]).isBetween(22_000, 28_000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring-hash", "maglev"})
    void removingOneEndpointOfTenMovesLittleMoreThanItsKeys(String kind) {
        String[] ten = endpoints(10);
        String[] nine = java.util.Arrays.copyOf(ten, 9); // 10.0.0.9 leaves
        HashBalancer before = balancer(kind).apply(ten, ones(10));
        HashBalancer after = balancer(kind).apply(nine, ones(9));
        int onRemoved = 0;
        int movedOthers = 0;
        for (int i = 0; i < KEYS; i++) {
            long h = Hashing.hash("session-" + i);
            int was = before.pick(h);
            int now = after.pick(h);
            if (was == 9) {
                onRemoved++;
            } else if (was != now) {
                movedOthers++;
            }
        }
        assertThat(onRemoved).isBetween(7_000, 13_000); // about a tenth lived on the endpoint that left
        if (kind.equals("ring-hash")) {
            assertThat(movedOthers).isZero(); // a ring moves exactly the removed endpoint's keys
        } else {
            assertThat(movedOthers).isLessThan(KEYS / 50); // Maglev: under 2% extra disruption
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring-hash", "maglev"})
    void aRandomHashSpreadsRequestsWithoutAKey(String kind) {
        HashBalancer b = balancer(kind).apply(endpoints(4), ones(4));
        int[] counts = new int[4];
        for (int i = 0; i < 20_000; i++) {
            counts[b.pick()]++;
        }
        for (int c : counts) {
            assertThat(c).isBetween(4_000, 6_000);
        }
    }

    @org.junit.jupiter.api.Test
    void ringPointsFollowWeightsAndStayBounded() {
        assertThat(new RingHash(endpoints(2), ones(2)).size()).isEqualTo(2 * RingHash.POINTS_PER_WEIGHT);
        // Weights are divided by their greatest common divisor: 300:100 is 3:1.
        assertThat(new RingHash(endpoints(2), new int[] {300, 100}).size()).isEqualTo(4 * RingHash.POINTS_PER_WEIGHT);
        // A weight spread of 1 : 1,000,000 would ask for a billion points; the ring is capped.
        assertThat(new RingHash(endpoints(2), new int[] {1, 1_000_000}).size())
                .isLessThanOrEqualTo(RingHash.MAX_RING_SIZE + 1);
    }

    @org.junit.jupiter.api.Test
    void theHashAvalanches() {
        // Keys that differ in one character must not land next to each other.
        SplittableRandom random = new SplittableRandom(7);
        int flippedBits = 0;
        for (int i = 0; i < 1000; i++) {
            String key = "user-" + random.nextInt();
            flippedBits += Long.bitCount(Hashing.hash(key) ^ Hashing.hash(key + "x"));
        }
        assertThat(flippedBits / 1000.0).isBetween(28.0, 36.0); // about half of 64 bits
    }
}
