package io.tidegate.plugins.file;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Lists the files a configured path stands for: a file is itself; a directory is every {@code *.yaml}
 * and {@code *.yml} directly inside it (not recursive), sorted by file name so that precedence does not
 * depend on the file system's order. Hidden files are skipped: editors' lock and swap files
 * ({@code .#demo.yaml}) and Kubernetes' {@code ..data} entries are not config.
 */
final class FileScanner {

    private FileScanner() {
    }

    /**
     * The files of {@code root}, in precedence order.
     *
     * @throws IOException when the path no longer exists or the directory cannot be listed
     */
    static List<Path> list(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            if (!Files.exists(root)) {
                throw new java.nio.file.NoSuchFileException(root.toString());
            }
            return List.of(root);
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                if (isConfigFile(entry)) {
                    files.add(entry);
                }
            }
        }
        files.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return files;
    }

    private static boolean isConfigFile(Path entry) {
        String name = entry.getFileName().toString();
        String lower = name.toLowerCase(Locale.ROOT);
        return !name.startsWith(".") && (lower.endsWith(".yaml") || lower.endsWith(".yml"))
                && Files.isRegularFile(entry); // follows symlinks: ConfigMap files are links into ..data
    }
}
