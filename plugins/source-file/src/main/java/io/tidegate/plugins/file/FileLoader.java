package io.tidegate.plugins.file;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.plugin.YamlReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the configured paths and remembers, per file, its last good contents.
 *
 * <p>A file whose YAML does not parse, whose top level has the wrong shape, or that cannot be read
 * keeps serving its last good documents (if it ever had any) and is reported; a configured path that
 * disappears keeps serving its files' last good documents. A file that is gone from a directory that
 * still exists was deleted on purpose and contributes nothing. Files whose bytes did not change are not
 * parsed again.
 *
 * <p>Not thread-safe: one reload at a time.
 */
final class FileLoader {

    /** A file's last read: the hash of its bytes and what came of them. */
    private record Entry(byte[] sha256, List<ConfigNode> lastGood, Diagnostic error) {
    }

    /** One load: the files to translate, in precedence order, and the file-level errors. */
    record Snapshot(List<SourceFile> files, List<Diagnostic> diagnostics) {
    }

    private final String source;
    private final List<Path> roots;
    private final YamlReader yaml;
    private final Map<Path, List<Path>> lastListing = new HashMap<>();
    private final Map<Path, Entry> entries = new HashMap<>();

    FileLoader(String source, List<Path> roots, YamlReader yaml) {
        this.source = requireNonNull(source, "source");
        this.roots = List.copyOf(roots);
        this.yaml = requireNonNull(yaml, "yaml");
    }

    Snapshot load() {
        List<Diagnostic> diagnostics = new ArrayList<>();
        Set<Path> files = new LinkedHashSet<>();
        Set<Path> stale = new LinkedHashSet<>();
        for (Path root : roots) {
            try {
                List<Path> listed = io.tidegate.plugins.support.ConfigFiles.list(root, List.of(".yaml", ".yml"));
                lastListing.put(root, listed);
                files.addAll(listed);
            } catch (IOException e) {
                List<Path> previous = lastListing.getOrDefault(root, List.of());
                files.addAll(previous);
                stale.addAll(previous);
                diagnostics.add(Diagnostic.error(Provenance.of(source, root.toString()), "",
                        root + ": " + describe(e) + (previous.isEmpty() ? "" : "; serving the last good contents of "
                                + previous.size() + " file(s) read from it")));
            }
        }
        entries.keySet().retainAll(files);
        List<SourceFile> out = new ArrayList<>();
        for (Path file : files) {
            Entry entry = stale.contains(file) ? entries.get(file) : read(file);
            if (entry == null) {
                continue;
            }
            entries.put(file, entry);
            if (entry.error() != null) {
                diagnostics.add(entry.error());
            }
            if (entry.lastGood() != null) {
                out.add(new SourceFile(file.toString(), entry.lastGood()));
            }
        }
        return new Snapshot(out, diagnostics);
    }

    private Entry read(Path file) {
        Entry previous = entries.get(file);
        List<ConfigNode> lastGood = previous == null ? null : previous.lastGood();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            return new Entry(null, lastGood, fileError(file, "", file + ": " + describe(e), lastGood));
        }
        byte[] hash = sha256(bytes);
        if (previous != null && Arrays.equals(previous.sha256(), hash)) {
            return previous;
        }
        try {
            List<ConfigNode> documents = yaml.parse(file.toString(), decode(file, bytes));
            FileTranslator.checkShape(documents);
            return new Entry(hash, documents, null);
        } catch (ConfigException e) {
            return new Entry(hash, lastGood, fileError(file, e.path(), e.getMessage(), lastGood));
        }
    }

    private Diagnostic fileError(Path file, String field, String message, List<ConfigNode> lastGood) {
        return Diagnostic.error(Provenance.of(source, file.toString()), field,
                message + (lastGood == null ? "; the file contributes nothing until fixed"
                        : "; serving the file's last good version"));
    }

    private static String decode(Path file, byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(new io.tidegate.spi.config.ConfigLocation(file.toString(), 0, 0), "",
                    "is not UTF-8 text (expected: a UTF-8 YAML file)");
        }
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "does not exist";
        }
        return "cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
