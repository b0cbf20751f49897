package io.tidegate.spi.plugin;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Parses YAML into {@link ConfigNode} trees with file and line on every node. Safe: no tags, no
 * anchors to arbitrary types, no code: a config value never becomes an object of the reader's choice.
 */
public interface YamlReader {

    /**
     * Parses every document of {@code text}; empty documents are skipped.
     *
     * @param origin the name errors should carry (a file path, {@code consul-kv:key})
     * @throws ConfigException on a syntax error, with line and column
     */
    List<ConfigNode> parse(String origin, String text) throws ConfigException;

    /** Reads and parses a file (UTF-8). */
    List<ConfigNode> read(Path file) throws IOException, ConfigException;
}
