package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

/**
 * How a string (a header value, a query parameter, an origin) is matched.
 *
 * @param kind the comparison
 * @param value the operand; ignored for {@link Kind#PRESENT}
 * @param ignoreCase compare case-insensitively ({@link Kind#REGEX} compiles with the case-insensitive flag)
 */
public record StringMatch(Kind kind, String value, boolean ignoreCase) {

    /** The comparison. {@code REGEX} is RE2 syntax and must match the whole value. */
    public enum Kind { EXACT, PREFIX, SUFFIX, CONTAINS, REGEX, PRESENT }

    public StringMatch {
        requireNonNull(kind, "kind");
        value = value == null ? "" : value;
    }

    public static StringMatch exact(String value) {
        return new StringMatch(Kind.EXACT, value, false);
    }

    public static StringMatch prefix(String value) {
        return new StringMatch(Kind.PREFIX, value, false);
    }

    public static StringMatch regex(String value) {
        return new StringMatch(Kind.REGEX, value, false);
    }

    public static StringMatch present() {
        return new StringMatch(Kind.PRESENT, "", false);
    }
}
