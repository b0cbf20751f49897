package io.tidegate.kernel.engine;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.NetUtil;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.runtime.CompiledRoute;
import io.tidegate.kernel.runtime.ForwardProxyRoute;
import io.tidegate.spi.plugin.DnsResolver;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.RequestView;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the forward-proxy path of {@code forwardProxy: true} listeners needs besides the engine's
 * exchange machinery: the synthetic route of each listener, asynchronous resolution of the target
 * name, the {@link Policy#onUpstreamAddress} chain on the resolved address, and raw TCP connections
 * for CONNECT tunnels. Shared by every loop; holds no per-request state.
 */
final class ForwardProxy {

    private final GatewayConfig.Defaults defaults;
    private final AddressResolverGroup<InetSocketAddress> engineResolver;
    private final DnsResolver override;
    private final Bootstrap tunnelTemplate;
    private volatile Routes routes = new Routes(null);

    /**
     * @param override resolves target names instead of the engine's DNS resolver (tests, hosts pinning); null:
     *                 the engine's Netty resolver of the calling loop (hosts file first, asynchronous)
     */
    ForwardProxy(Transport transport, EventLoopGroup group, GatewayConfig.Defaults defaults,
                 AddressResolverGroup<InetSocketAddress> engineResolver, DnsResolver override) {
        this.defaults = requireNonNull(defaults, "defaults");
        this.engineResolver = requireNonNull(engineResolver, "engineResolver");
        this.override = override;
        this.tunnelTemplate = new Bootstrap()
                .group(group)
                .channel(transport.clientChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true);
    }

    /** The forward-proxy route of {@code listener} in generation {@code config}: its policies are the listener's. */
    CompiledRoute route(CompiledConfig config, String listener) {
        Routes r = routes;
        if (r.config != config) {
            r = new Routes(config);
            routes = r;
        }
        return r.byListener.computeIfAbsent(listener,
                l -> ForwardProxyRoute.create(config.connectionPolicies(l), defaults));
    }

    /** All addresses of {@code host}; an IP literal is its own address. Never blocks the loop. */
    CompletionStage<List<InetAddress>> resolve(EventLoop loop, String host) {
        InetAddress literal = NetUtil.createInetAddressFromIpAddressString(host);
        if (literal != null) {
            return CompletableFuture.completedFuture(List.of(literal));
        }
        if (override != null) {
            return override.resolveAll(host);
        }
        CompletableFuture<List<InetAddress>> out = new CompletableFuture<>();
        engineResolver.getResolver(loop).resolveAll(InetSocketAddress.createUnresolved(host, 0)).addListener(f -> {
            if (!f.isSuccess()) {
                out.completeExceptionally(f.cause());
                return;
            }
            @SuppressWarnings("unchecked")
            List<InetSocketAddress> found = (List<InetSocketAddress>) f.getNow();
            out.complete(found.stream().map(InetSocketAddress::getAddress).toList());
        });
        return out;
    }

    /**
     * Asks every policy, in order, about the address the gateway is about to connect to. Completes with
     * the first denial, or {@link Decision#ALLOW}; exceptionally when a policy throws or fails.
     */
    static CompletionStage<Decision> checkAddress(Policy[] policies, RequestView request, InetSocketAddress target) {
        return checkFrom(policies, 0, request, target);
    }

    private static CompletionStage<Decision> checkFrom(Policy[] policies, int from, RequestView request,
                                                       InetSocketAddress target) {
        for (int i = from; i < policies.length; i++) {
            CompletionStage<Decision> stage = policies[i].onUpstreamAddress(request, target);
            if (stage instanceof CompletableFuture<Decision> done && done.isDone() && !done.isCompletedExceptionally()) {
                if (done.join() instanceof Decision.Deny) {
                    return done;
                }
                continue;
            }
            int next = i + 1;
            return stage.thenCompose(d -> d instanceof Decision.Deny ? CompletableFuture.completedFuture(d)
                    : checkFrom(policies, next, request, target));
        }
        return Decision.ALLOW_STAGE;
    }

    /** Opens a raw TCP connection for a CONNECT tunnel on {@code loop}, to an already resolved address. */
    ChannelFuture connectTunnel(EventLoop loop, InetSocketAddress target, long connectTimeoutMillis,
                                ChannelHandler handler) {
        return tunnelTemplate.clone(loop)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMillis))
                .handler(handler)
                .connect(target);
    }

    /** The synthetic routes of one generation; replaced when the generation changes. */
    private static final class Routes {
        final CompiledConfig config;
        final Map<String, CompiledRoute> byListener = new ConcurrentHashMap<>();

        Routes(CompiledConfig config) {
            this.config = config;
        }
    }
}
