package io.tidegate.plugins.file;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.config.ConfigNode;
import java.util.List;

/**
 * One file's parsed YAML documents, as the translator sees them.
 *
 * @param origin the file's path as the source names it (provenance object and error prefix)
 * @param documents the file's non-empty YAML documents, in order
 */
record SourceFile(String origin, List<ConfigNode> documents) {

    SourceFile {
        requireNonNull(origin, "origin");
        documents = List.copyOf(documents);
    }
}
