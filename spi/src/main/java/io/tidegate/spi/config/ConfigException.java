package io.tidegate.spi.config;

import static java.util.Objects.requireNonNull;

/**
 * A config value was missing, of the wrong shape, or out of range. The message always names where
 * ({@link #location()}), which key ({@link #path()}, e.g. {@code routes[2].match.path}) and what was
 * expected, so that an operator can fix the file without reading code.
 */
public final class ConfigException extends RuntimeException {

    private final ConfigLocation location;
    private final String path;
    private final String reason;

    public ConfigException(ConfigLocation location, String path, String reason) {
        super(format(location, path, reason));
        this.location = requireNonNull(location, "location");
        this.path = requireNonNull(path, "path");
        this.reason = requireNonNull(reason, "reason");
    }

    /** The file and line of the offending value. */
    public ConfigLocation location() {
        return location;
    }

    /** The dotted key path of the offending value, e.g. {@code sources[0].paths}. */
    public String path() {
        return path;
    }

    /** What was wrong, without location and path. */
    public String reason() {
        return reason;
    }

    private static String format(ConfigLocation location, String path, String reason) {
        StringBuilder sb = new StringBuilder();
        sb.append(location);
        if (!path.isEmpty()) {
            sb.append(": ").append(path);
        }
        return sb.append(": ").append(reason).toString();
    }
}
