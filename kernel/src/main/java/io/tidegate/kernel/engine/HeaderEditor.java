package io.tidegate.kernel.engine;

import io.netty.handler.codec.http.HttpHeaders;
import io.tidegate.spi.model.HeaderEdits;
import io.tidegate.spi.model.HeaderValue;

/** Applies {@link HeaderEdits} in their documented order: remove, set, add. */
final class HeaderEditor {

    private HeaderEditor() {
    }

    static void apply(HeaderEdits edits, HttpHeaders headers) {
        if (edits.isEmpty()) {
            return;
        }
        for (String name : edits.remove()) {
            headers.remove(name);
        }
        for (HeaderValue h : edits.set()) {
            headers.set(h.name(), h.value());
        }
        for (HeaderValue h : edits.add()) {
            headers.add(h.name(), h.value());
        }
    }
}
