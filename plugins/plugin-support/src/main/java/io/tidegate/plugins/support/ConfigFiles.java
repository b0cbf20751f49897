package io.tidegate.plugins.support;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Lists the files a configured path stands for, the same way for every file-reading source (the file
 * source's route files, the Kubernetes and Istio sources' manifests): a file is itself; a directory is every
 * file directly inside it (not recursive) whose name ends with one of the given extensions, sorted by file name
 * so that precedence does not depend on the file system's order. Hidden files are skipped: editors' lock and
 * swap files ({@code .#demo.yaml}) and Kubernetes' {@code ..data} entries are not config. Symbolic links are
 * followed, because a mounted ConfigMap's files are links into {@code ..data}.
 */
public final class ConfigFiles {

    private ConfigFiles() {
    }

    /**
     * @param extensions lower-case name endings that count, e.g. {@code ".yaml"}
     * @throws NoSuchFileException when {@code root} does not exist
     * @throws IOException when the directory cannot be listed
     */
    public static List<Path> list(Path root, List<String> extensions) throws IOException {
        if (!Files.isDirectory(root)) {
            if (!Files.exists(root)) {
                throw new NoSuchFileException(root.toString());
            }
            return List.of(root);
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                if (counts(entry, extensions)) {
                    files.add(entry);
                }
            }
        }
        files.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return files;
    }

    private static boolean counts(Path entry, List<String> extensions) {
        String name = entry.getFileName().toString();
        if (name.startsWith(".")) {
            return false;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        for (String extension : extensions) {
            if (lower.endsWith(extension)) {
                return Files.isRegularFile(entry);
            }
        }
        return false;
    }
}
