package io.tidegate.kernel.engine;

/** A header line continued on the next line (obs-fold), which RFC 9112 section 5.2 lets a server reject. */
final class ObsFoldException extends IllegalArgumentException {
    ObsFoldException() {
        super("obsolete line folding in header section");
    }
}
