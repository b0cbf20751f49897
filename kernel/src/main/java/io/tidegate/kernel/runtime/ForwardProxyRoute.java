package io.tidegate.kernel.runtime;

import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.policy.Policy;
import java.util.List;

/**
 * The route a forward-proxy request runs under when no configured route matches it (absolute-form)
 * or when it is a CONNECT: no match, a forward to a cluster without endpoints (the engine connects to
 * the request's resolved target instead), the defaults' timeouts, and the policies bound to the
 * listener. Built by the kernel, never by a source; its name shows in the access log and metrics.
 */
public final class ForwardProxyRoute {

    /** The name of the synthetic route and of its cluster. */
    public static final String NAME = "forward-proxy";

    private static final Provenance PROVENANCE = Provenance.of("kernel", "forward-proxy");

    private ForwardProxyRoute() {
    }

    /** A forward-proxy route for one listener of one generation. */
    public static CompiledRoute create(List<Policy> listenerPolicies, GatewayConfig.Defaults defaults) {
        Route route = Route.builder(NAME, PROVENANCE).forwardTo(NAME).build();
        ClusterRuntime cluster = new ClusterRuntime(Cluster.of(NAME, List.of(), PROVENANCE),
                defaults.connectTimeout(), defaults.upstreamIdleTimeout());
        return new CompiledRoute(route, new ClusterRuntime[] {cluster}, PathRewriter.NONE, listenerPolicies,
                defaults.requestTimeout().toNanos(), defaults.idleTimeout().toNanos(), 0);
    }

    /** Whether {@code route} is one made by {@link #create}. */
    public static boolean is(CompiledRoute route) {
        return route.provenance() == PROVENANCE;
    }
}
