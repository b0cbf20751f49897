package io.tidegate.spi.config;

import static java.util.Objects.requireNonNull;

/**
 * Where a config value came from: a file (or other origin such as {@code consul-kv:routes/a})
 * and the 1-based line and column of the value in it. Line 0 means "unknown".
 *
 * @param origin the file path or origin name
 * @param line 1-based line, or 0 when unknown
 * @param column 1-based column, or 0 when unknown
 */
public record ConfigLocation(String origin, int line, int column) {

    /** A location for values that did not come from a file. */
    public static final ConfigLocation UNKNOWN = new ConfigLocation("<none>", 0, 0);

    public ConfigLocation {
        requireNonNull(origin, "origin");
    }

    @Override
    public String toString() {
        return line > 0 ? origin + ":" + line + ":" + column : origin;
    }
}
