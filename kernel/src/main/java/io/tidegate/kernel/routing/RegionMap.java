package io.tidegate.kernel.routing;

import java.util.Map;

/**
 * An immutable open-addressing map from strings, looked up by a region of a larger string. Lets the host
 * index probe each label suffix of a host and the segment trie probe each path segment without creating a
 * substring per probe.
 */
final class RegionMap<V> {

    private final String[] keys;
    private final Object[] values;
    private final int mask;

    RegionMap(Map<String, V> entries) {
        int capacity = Integer.highestOneBit(Math.max(2, entries.size()) * 2 - 1) << 1;
        keys = new String[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
        for (Map.Entry<String, V> e : entries.entrySet()) {
            String key = e.getKey();
            int i = hash(key, 0, key.length()) & mask;
            while (keys[i] != null) {
                i = (i + 1) & mask;
            }
            keys[i] = key;
            values[i] = e.getValue();
        }
    }

    /** The value for {@code s.substring(from, to)}, or null. */
    @SuppressWarnings("unchecked")
    V get(String s, int from, int to) {
        int length = to - from;
        int i = hash(s, from, to) & mask;
        for (String key = keys[i]; key != null; key = keys[i]) {
            if (key.length() == length && s.regionMatches(from, key, 0, length)) {
                return (V) values[i];
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    /** {@link String#hashCode()} of the region, spread so that linear probing sees the high bits. */
    private static int hash(String s, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + s.charAt(i);
        }
        return h ^ (h >>> 16);
    }
}
