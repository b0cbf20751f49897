package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

/** A header name and value. */
public record HeaderValue(String name, String value) {

    public HeaderValue {
        requireNonNull(name, "name");
        requireNonNull(value, "value");
    }
}
