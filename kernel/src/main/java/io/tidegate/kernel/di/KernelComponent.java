package io.tidegate.kernel.di;

import dagger.BindsInstance;
import dagger.Component;
import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.metrics.MetricsRegistry;
import javax.inject.Singleton;

/** The kernel's object graph: one per gateway process (or per offline CLI run). */
@Singleton
@Component(modules = KernelModule.class)
public interface KernelComponent {

    Gateway gateway();

    MetricsRegistry metrics();

    /** Makes a graph for one config. */
    @Component.Factory
    interface Factory {
        KernelComponent create(@BindsInstance GatewayConfig config);
    }

    /** The generated factory. */
    static Factory factory() {
        return DaggerKernelComponent.factory();
    }
}
