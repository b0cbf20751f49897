package io.tidegate.kernel.tracing;

/**
 * A W3C Trace Context {@code traceparent} value (https://www.w3.org/TR/trace-context/#traceparent-header):
 * {@code version-traceid-parentid-flags}, lowercase hex.
 *
 * <p>{@link #parse} is strict: version {@code 00} must be exactly 55 characters; a higher version is read
 * as the spec's forward-compatibility rules say (the first four fields as version 00 defines them, then
 * the end or a dash); version {@code ff}, upper-case hex, all-zero ids and any other deviation make the
 * header invalid, and the gateway then starts a new trace.
 *
 * @param traceIdHigh the first 8 bytes of the trace id
 * @param traceIdLow the last 8 bytes of the trace id
 * @param parentId the caller's span id
 * @param flags the trace flags byte; bit 0 is {@code sampled}
 */
public record TraceParent(long traceIdHigh, long traceIdLow, long parentId, int flags) {

    /** The length of a version 00 header. */
    static final int LENGTH = 55;
    public static final int SAMPLED = 0x01;

    /** The header value, or null when it is absent or invalid. Optional whitespace around it is ignored. */
    public static TraceParent parse(String header) {
        if (header == null) {
            return null;
        }
        String s = trimOws(header);
        if (s.length() < LENGTH) {
            return null;
        }
        int version = hexByte(s, 0);
        if (version < 0 || version == 0xff || s.charAt(2) != '-' || s.charAt(35) != '-' || s.charAt(52) != '-') {
            return null;
        }
        if (version == 0 ? s.length() != LENGTH : s.length() > LENGTH && s.charAt(LENGTH) != '-') {
            return null; // 00 has exactly four fields; a later version may add fields after a dash
        }
        long high = hex64(s, 3);
        long low = hex64(s, 19);
        long parent = hex64(s, 36);
        int flags = hexByte(s, 53);
        if (!validHex(s, 3, 32) || !validHex(s, 36, 16) || flags < 0) {
            return null;
        }
        if ((high == 0 && low == 0) || parent == 0) {
            return null; // all-zero ids are invalid
        }
        return new TraceParent(high, low, parent, version == 0 ? flags : flags & SAMPLED);
    }

    public boolean sampled() {
        return (flags & SAMPLED) != 0;
    }

    /** The version 00 header for a span {@code spanId} of this trace with these flags. */
    public static String format(long traceIdHigh, long traceIdLow, long spanId, boolean sampled) {
        char[] out = new char[LENGTH];
        out[0] = '0';
        out[1] = '0';
        out[2] = '-';
        Hex.write(traceIdHigh, out, 3);
        Hex.write(traceIdLow, out, 19);
        out[35] = '-';
        Hex.write(spanId, out, 36);
        out[52] = '-';
        out[53] = '0';
        out[54] = sampled ? '1' : '0';
        return new String(out);
    }

    private static String trimOws(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
            from++;
        }
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
            to--;
        }
        return s.substring(from, to);
    }

    private static boolean validHex(String s, int from, int length) {
        for (int i = from; i < from + length; i++) {
            if (Hex.value(s.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    private static long hex64(String s, int from) {
        long v = 0;
        for (int i = from; i < from + 16; i++) {
            v = (v << 4) | (Hex.value(s.charAt(i)) & 0xf);
        }
        return v;
    }

    private static int hexByte(String s, int from) {
        int a = Hex.value(s.charAt(from));
        int b = Hex.value(s.charAt(from + 1));
        return a < 0 || b < 0 ? -1 : a << 4 | b;
    }
}
