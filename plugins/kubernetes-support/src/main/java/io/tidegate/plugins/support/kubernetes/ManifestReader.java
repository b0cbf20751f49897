package io.tidegate.plugins.support.kubernetes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads manifests as {@code kubectl apply -f} takes them: a file is itself; a directory is every
 * {@code *.yaml}, {@code *.yml} and {@code *.json} directly inside it (not recursive, as without
 * {@code -R}), in file-name order; a file holds one or more {@code ---}-separated documents, each an
 * object or a {@code List}. Hidden files (editor swap files, ConfigMap {@code ..data}) are skipped.
 * A namespaced object without a namespace is in {@code default}, as with {@code kubectl apply} without
 * {@code -n}.
 */
public final class ManifestReader {

    private ManifestReader() {
    }

    /** The files {@code root} stands for: itself, or the YAML and JSON files directly in the directory. */
    public static List<Path> list(Path root) throws IOException {
        return io.tidegate.plugins.support.ConfigFiles.list(root, List.of(".yaml", ".yml", ".json"));
    }

    /** The objects of one file. */
    public static List<HasMetadata> read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    /**
     * The objects of a manifest text.
     *
     * @throws IllegalArgumentException naming the document that cannot be read
     */
    public static List<HasMetadata> parse(String text) {
        List<HasMetadata> out = new ArrayList<>();
        List<String> documents = split(text);
        for (int i = 0; i < documents.size(); i++) {
            String doc = documents.get(i);
            if (doc.isBlank() || doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
                continue;
            }
            Object parsed;
            try {
                parsed = Serialization.unmarshal(doc);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("document " + (i + 1) + ": " + firstLine(e), e);
            }
            add(parsed, out, i + 1);
        }
        return out;
    }

    private static void add(Object parsed, List<HasMetadata> out, int document) {
        if (parsed instanceof KubernetesList list) {
            for (var item : list.getItems()) {
                add(item, out, document);
            }
        } else if (parsed instanceof List<?> items) {
            for (Object item : items) {
                add(item, out, document);
            }
        } else if (parsed instanceof HasMetadata object) {
            if (object.getMetadata() == null || object.getMetadata().getName() == null) {
                throw new IllegalArgumentException("document " + document + ": " + object.getKind()
                        + " has no metadata.name");
            }
            if (object.getMetadata().getNamespace() == null && namespaced(object)) {
                object.getMetadata().setNamespace("default"); // as kubectl apply without -n
            }
            out.add(object);
        } else if (parsed != null && !(parsed instanceof KubernetesResource)) {
            throw new IllegalArgumentException("document " + document + ": not a Kubernetes object");
        }
    }

    /**
     * fabric8 marks the namespaced kinds it models; a kind it does not model (an Istio or other custom
     * resource, read as a generic one) is taken as namespaced, as nearly all custom resources are.
     */
    private static boolean namespaced(HasMetadata o) {
        return o instanceof Namespaced || o instanceof GenericKubernetesResource;
    }

    private static List<String> split(String text) {
        List<String> docs = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (line.equals("---") || line.startsWith("--- ") || line.equals("---\r")) {
                docs.add(current.toString());
                current.setLength(0);
            } else {
                current.append(line).append('\n');
            }
        }
        docs.add(current.toString());
        return docs;
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
