package io.tidegate.kernel.runtime;

/**
 * Ketama-style consistent hashing: every endpoint owns points on a 64-bit ring in proportion to its
 * weight, and a key goes to the first point at or after its hash (binary search). The ring is built
 * once per cluster generation; a pick reads two immutable arrays.
 *
 * <p>An endpoint's points depend only on its own identity and weight ({@link #POINTS_PER_WEIGHT} per
 * unit of weight, weights divided by their greatest common divisor), never on the other endpoints:
 * so when an endpoint leaves, exactly its keys move, and no key moves between the endpoints that
 * stay. (Envoy sizes the ring by the total instead, which moves some keys between survivors.) The
 * ring is capped at {@link #MAX_RING_SIZE} points; past that every endpoint's share is scaled down.
 */
final class RingHash extends HashBalancer {

    /** Points per unit of weight: shares within about 2% of the weights (fewer points spread unevenly). */
    static final int POINTS_PER_WEIGHT = 1024;
    static final int MAX_RING_SIZE = 8 * 1024 * 1024;

    private final long[] points;
    private final int[] owners;

    /**
     * @param keys stable identities of the endpoints (their addresses), so that two gateways, or two
     *             generations with the same endpoints, build the same ring
     * @param weights the endpoints' weights, >= 1
     */
    RingHash(String[] keys, int[] weights) {
        int gcd = 0;
        long totalWeight = 0;
        for (int w : weights) {
            gcd = gcd(gcd, w);
            totalWeight += w;
        }
        double perWeight = Math.min(POINTS_PER_WEIGHT, (double) MAX_RING_SIZE * gcd / totalWeight);
        int[] counts = new int[keys.length];
        int total = 0;
        for (int i = 0; i < keys.length; i++) {
            counts[i] = (int) Math.max(1, Math.round(perWeight * weights[i] / gcd));
            total += counts[i];
        }
        long[] hashes = new long[total];
        int[] owner = new int[total];
        int n = 0;
        for (int i = 0; i < keys.length; i++) {
            for (int p = 0; p < counts[i]; p++) {
                hashes[n] = Hashing.hash(keys[i] + "_" + p);
                owner[n++] = i;
            }
        }
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Long.compareUnsigned(hashes[a], hashes[b]));
        points = new long[total];
        owners = new int[total];
        for (int i = 0; i < total; i++) {
            points[i] = hashes[order[i]];
            owners[i] = owner[order[i]];
        }
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    int size() {
        return points.length;
    }

    @Override
    int pick(long hash) {
        // First point >= hash in unsigned order, wrapping to the first point.
        int lo = 0;
        int hi = points.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(points[mid], hash) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return owners[lo == points.length ? 0 : lo];
    }
}
