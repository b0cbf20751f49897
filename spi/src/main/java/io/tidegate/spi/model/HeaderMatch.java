package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

/**
 * A condition on a request header. The pseudo-headers {@code :method}, {@code :scheme},
 * {@code :authority} and {@code :path} can be matched too, as in Envoy.
 *
 * @param name header name, case-insensitive
 * @param match the condition on its value (any of its values, when repeated)
 * @param invert the route matches when the condition does <em>not</em> hold (Istio {@code withoutHeaders})
 */
public record HeaderMatch(String name, StringMatch match, boolean invert) {

    public HeaderMatch {
        requireNonNull(name, "name");
        requireNonNull(match, "match");
    }
}
