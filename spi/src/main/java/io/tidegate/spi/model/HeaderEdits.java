package io.tidegate.spi.model;

import java.util.List;

/**
 * Header changes, applied in the order remove, set, add.
 *
 * @param set headers replaced (or created) with the given value
 * @param add values appended, keeping existing ones
 * @param remove header names removed
 */
public record HeaderEdits(List<HeaderValue> set, List<HeaderValue> add, List<String> remove) {

    /** No change. */
    public static final HeaderEdits NONE = new HeaderEdits(List.of(), List.of(), List.of());

    public HeaderEdits {
        set = List.copyOf(set);
        add = List.copyOf(add);
        remove = List.copyOf(remove);
    }

    public boolean isEmpty() {
        return set.isEmpty() && add.isEmpty() && remove.isEmpty();
    }
}
