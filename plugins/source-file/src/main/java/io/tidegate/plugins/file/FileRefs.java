package io.tidegate.plugins.file;

import io.tidegate.spi.config.ConfigNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Files a YAML file refers to (PEM certificates and keys), resolved against that YAML file's directory
 * and read at every reload, so a renewed certificate is served after the next reload (a watch event in
 * the directory, or the poll).
 */
interface FileRefs {

    /** Reads {@code path}. */
    String read(Path path) throws IOException;

    /** The real file system. */
    FileRefs FILES = path -> Files.readString(path, StandardCharsets.US_ASCII);

    /**
     * The text of the file {@code node} names, relative to {@code origin}'s directory.
     *
     * @throws io.tidegate.spi.config.ConfigException at {@code node} when it cannot be read
     */
    default String text(ConfigNode node, String origin) {
        Path yaml = Path.of(origin);
        Path dir = yaml.getParent() == null ? Path.of(".") : yaml.getParent();
        Path file = dir.resolve(node.asString()).normalize();
        try {
            return read(file);
        } catch (NoSuchFileException e) {
            throw node.error("\"" + node.asString() + "\": " + file + " does not exist (expected: a PEM file; "
                    + "relative paths are relative to this YAML file's directory)");
        } catch (IOException | RuntimeException e) {
            throw node.error("\"" + node.asString() + "\": " + file + " cannot be read (" + e.getClass().getSimpleName()
                    + ": " + e.getMessage() + ")");
        }
    }
}
