package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

/**
 * A condition on a decoded query parameter (the first value when it repeats).
 *
 * @param name parameter name, case-sensitive
 * @param match the condition on its value
 */
public record QueryMatch(String name, StringMatch match) {

    public QueryMatch {
        requireNonNull(name, "name");
        requireNonNull(match, "match");
    }
}
