package io.tidegate.kernel.runtime;

/**
 * The 64-bit string hash of the consistent-hash balancers: FNV-1a over the UTF-16 code units, then
 * MurmurHash3's 64-bit finalizer so that keys differing in one character land far apart on the ring.
 * It reads the string in place: hashing a request key allocates nothing.
 */
final class Hashing {

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private Hashing() {
    }

    static long hash(CharSequence s) {
        long h = FNV_OFFSET;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            h = (h ^ (c & 0xff)) * FNV_PRIME;
            h = (h ^ (c >>> 8)) * FNV_PRIME;
        }
        return mix(h);
    }

    /** MurmurHash3 fmix64: full avalanche of a 64-bit value. */
    static long mix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
