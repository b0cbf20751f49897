package io.tidegate.kernel.runtime;

/**
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016): a lookup table of a prime size filled by
 * every endpoint's own permutation, so a pick is one array read and a change of the endpoint set
 * moves few keys. Weights are honoured by letting an endpoint take a turn only as often as its share
 * of the largest weight (the weighted variant Envoy uses).
 */
final class Maglev extends HashBalancer {

    /** Envoy's default table size; prime, and much larger than any endpoint count we expect. */
    static final int TABLE_SIZE = 65537;

    private final int[] table;

    Maglev(String[] keys, int[] weights) {
        this(keys, weights, TABLE_SIZE);
    }

    Maglev(String[] keys, int[] weights, int tableSize) {
        int n = keys.length;
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n];
        int maxWeight = 1;
        for (int i = 0; i < n; i++) {
            long h = Hashing.hash(keys[i]);
            offset[i] = Long.remainderUnsigned(h, tableSize);
            skip[i] = Long.remainderUnsigned(Hashing.mix(h ^ 0x9e3779b97f4a7c15L), tableSize - 1) + 1;
            maxWeight = Math.max(maxWeight, weights[i]);
        }
        int[] filled = new int[tableSize];
        java.util.Arrays.fill(filled, -1);
        double[] credit = new double[n];
        int placed = 0;
        while (placed < tableSize) {
            for (int i = 0; i < n && placed < tableSize; i++) {
                credit[i] += (double) weights[i] / maxWeight;
                if (credit[i] < 1) {
                    continue; // a lighter endpoint waits for its turn
                }
                credit[i] -= 1;
                int slot;
                do {
                    slot = (int) ((offset[i] + next[i] * skip[i]) % tableSize);
                    next[i]++;
                } while (filled[slot] >= 0);
                filled[slot] = i;
                placed++;
            }
        }
        table = filled;
    }

    @Override
    int pick(long hash) {
        return table[(int) Long.remainderUnsigned(hash, table.length)];
    }
}
