package io.tidegate.kernel.tracing;

/** Lowercase hex for trace and span ids (W3C Trace Context allows no upper case). */
final class Hex {

    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private Hex() {
    }

    /** The value of a lowercase hex digit, or -1. */
    static int value(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }

    /** Writes {@code v} as 16 hex digits at {@code at}. */
    static void write(long v, char[] out, int at) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = DIGITS[(int) (v & 0xf)];
            v >>>= 4;
        }
    }

    static String of(long v) {
        char[] out = new char[16];
        write(v, out, 0);
        return new String(out);
    }

    static String of(long high, long low) {
        char[] out = new char[32];
        write(high, out, 0);
        write(low, out, 16);
        return new String(out);
    }
}
