package io.tidegate.plugins.support.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.tidegate.spi.model.Fragment;
import java.util.List;
import java.util.function.Function;

/**
 * The plugin-specific half of a source: what it makes of the whole set of objects it watches or reads.
 * A pure function, called on the source's scheduler, never concurrently.
 *
 * @param <T> the translation: a {@link Fragment}, or a fragment with what else the plugin needs afterwards
 *            (objects served, statuses to write)
 */
public interface ObjectTranslator<T> {

    /** Translates every object (manifests: in file order; cluster: informer by informer). */
    T translate(List<HasMetadata> objects);

    /** The fragment {@code translation} publishes. */
    Fragment fragment(T translation);

    /** {@code translation} with its fragment replaced (the source adds its own diagnostics to it). */
    T withFragment(T translation, Fragment fragment);

    /** Counts the publish log line starts with, before its routes, clusters and certificates ("3 Ingresses"). */
    default List<String> counts(T translation) {
        return List.of();
    }

    /** A translator whose translation is its fragment. */
    static ObjectTranslator<Fragment> ofFragments(Function<List<HasMetadata>, Fragment> translate) {
        return new ObjectTranslator<>() {
            @Override
            public Fragment translate(List<HasMetadata> objects) {
                return translate.apply(objects);
            }

            @Override
            public Fragment fragment(Fragment translation) {
                return translation;
            }

            @Override
            public Fragment withFragment(Fragment translation, Fragment fragment) {
                return fragment;
            }
        };
    }
}
