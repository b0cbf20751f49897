package io.tidegate.plugins.kubernetes;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.tidegate.plugins.support.kubernetes.ObjectTranslator;
import io.tidegate.spi.model.Fragment;
import java.util.List;

/** The objects a source watches or reads, sorted into a {@link Snapshot}, translated by {@link IngressTranslator}. */
final class IngressObjects implements ObjectTranslator<IngressTranslator.Translation> {

    private final IngressTranslator translator;

    IngressObjects(IngressTranslator translator) {
        this.translator = requireNonNull(translator, "translator");
    }

    @Override
    public IngressTranslator.Translation translate(List<HasMetadata> objects) {
        return translator.translate(Snapshot.of(objects, null));
    }

    @Override
    public Fragment fragment(IngressTranslator.Translation translation) {
        return translation.fragment();
    }

    @Override
    public IngressTranslator.Translation withFragment(IngressTranslator.Translation translation, Fragment fragment) {
        return new IngressTranslator.Translation(fragment, translation.served(), translation.gatewayStatuses());
    }

    @Override
    public List<String> counts(IngressTranslator.Translation translation) {
        return List.of(translation.served().size() + " Ingresses");
    }
}
