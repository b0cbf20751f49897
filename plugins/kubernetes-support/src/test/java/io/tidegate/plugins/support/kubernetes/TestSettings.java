package io.tidegate.plugins.support.kubernetes;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Settings for the tests: fast debounce and rescans, no kubeconfig. */
record TestSettings(Path kubeconfig, String context, List<String> namespaces, List<Path> manifests,
                    Duration debounce, Duration pollInterval) implements SourceSettings {

    static TestSettings offline(List<Path> manifests) {
        return new TestSettings(null, null, List.of(), manifests, Duration.ZERO, Duration.ofMillis(100));
    }

    static TestSettings cluster(List<String> namespaces) {
        return new TestSettings(null, null, namespaces, List.of(), Duration.ofMillis(10), Duration.ofSeconds(2));
    }
}
