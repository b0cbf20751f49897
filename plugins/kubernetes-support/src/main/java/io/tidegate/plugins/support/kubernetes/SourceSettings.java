package io.tidegate.plugins.support.kubernetes;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The settings every Kubernetes-fed source has; a plugin's settings record implements it as it is. */
public interface SourceSettings {

    /** The kubeconfig file; null: in-cluster service account, then {@code KUBECONFIG}/{@code ~/.kube/config}. */
    Path kubeconfig();

    /** The kubeconfig context; null: the current one. */
    String context();

    /** The namespaces watched; empty: all. */
    List<String> namespaces();

    /** Offline mode: directories (or files) of manifests instead of an API server; empty: online. */
    List<Path> manifests();

    /** The delay between a change and the publish it causes, so that a burst costs one publish. */
    Duration debounce();

    /** Offline mode: the rescan interval (file watches can miss changes). */
    Duration pollInterval();
}
