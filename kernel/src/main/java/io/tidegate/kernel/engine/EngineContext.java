package io.tidegate.kernel.engine;

import static java.util.Objects.requireNonNull;

import io.tidegate.kernel.runtime.CompiledConfig;
import java.util.function.Supplier;

/** What every connection handler shares: the live config, the upstream connector, the log and metrics. */
final class EngineContext {

    private final Supplier<CompiledConfig> config;
    private final UpstreamConnector connector;
    private final AccessLog accessLog;
    private final EngineMetrics metrics;
    private ForwardProxy forwardProxy;
    private io.tidegate.kernel.tracing.Tracer tracer =
            io.tidegate.kernel.tracing.Tracer.create(io.tidegate.kernel.config.TracingConfig.DISABLED, null);
    /** {@code engine.serverHeader} and {@code engine.upstreamTimeHeader}; null when not set. */
    private String serverHeader;
    private String upstreamTimeHeader;

    EngineContext(Supplier<CompiledConfig> config, UpstreamConnector connector, AccessLog accessLog,
                  EngineMetrics metrics) {
        this.config = requireNonNull(config, "config");
        this.connector = requireNonNull(connector, "connector");
        this.accessLog = requireNonNull(accessLog, "accessLog");
        this.metrics = requireNonNull(metrics, "metrics");
    }

    /** The headers the gateway stamps on responses (set once, before the listeners bind). */
    void responseStamps(String serverHeader, String upstreamTimeHeader) {
        this.serverHeader = serverHeader;
        this.upstreamTimeHeader = upstreamTimeHeader;
    }

    String serverHeader() {
        return serverHeader;
    }

    String upstreamTimeHeader() {
        return upstreamTimeHeader;
    }

    private volatile boolean draining;

    /** Whether the engine is draining: responses close their connections. */
    boolean draining() {
        return draining;
    }

    void startDraining() {
        draining = true;
        for (io.netty.channel.Channel ch : http2) {
            ch.eventLoop().execute(() -> ch.close()); // the HTTP/2 codec's close: GOAWAY, streams finish, close
        }
    }

    private final java.util.Set<io.netty.channel.Channel> http2 = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** An HTTP/2 client connection: told GOAWAY when the engine drains. */
    void http2Opened(io.netty.channel.Channel ch) {
        http2.add(ch);
        ch.closeFuture().addListener(f -> http2.remove(ch));
    }

    private L4Metrics l4Metrics;
    private Transport l4Transport;
    private io.netty.resolver.AddressResolverGroup<java.net.InetSocketAddress> l4Resolver;

    /** The transport of L4 channels (NIO; see {@code Engine}) and its resolver: set once, before the listeners bind. */
    void l4Transport(Transport transport, io.netty.resolver.AddressResolverGroup<java.net.InetSocketAddress> resolver) {
        this.l4Transport = requireNonNull(transport, "transport");
        this.l4Resolver = requireNonNull(resolver, "resolver");
    }

    Transport l4Transport() {
        return l4Transport;
    }

    io.netty.resolver.AddressResolverGroup<java.net.InetSocketAddress> l4Resolver() {
        return l4Resolver;
    }
    private final java.util.Set<L4Connection> l4 = java.util.concurrent.ConcurrentHashMap.newKeySet();

    void l4Metrics(L4Metrics metrics) {
        this.l4Metrics = requireNonNull(metrics, "metrics");
    }

    L4Metrics l4Metrics() {
        return l4Metrics;
    }

    /** An open connection of a tcp or tls-passthrough listener: told about swaps, closed at the drain deadline. */
    void l4Opened(L4Connection c) {
        l4.add(c);
    }

    void l4Closed(L4Connection c) {
        l4.remove(c);
    }

    /** Open L4 connections, each on its own event loop. */
    java.util.Set<L4Connection> l4Connections() {
        return l4;
    }

    /** The live generation; read once per request. */
    CompiledConfig config() {
        return config.get();
    }

    UpstreamConnector connector() {
        return connector;
    }

    AccessLog accessLog() {
        return accessLog;
    }

    EngineMetrics metrics() {
        return metrics;
    }

    /** The forward-proxy path of {@code forwardProxy: true} listeners. */
    ForwardProxy forwardProxy() {
        return forwardProxy;
    }

    /** W3C trace context and span export ({@code tracing:}); a disabled tracer when not configured. */
    io.tidegate.kernel.tracing.Tracer tracer() {
        return tracer;
    }

    void tracer(io.tidegate.kernel.tracing.Tracer tracer) {
        this.tracer = requireNonNull(tracer, "tracer");
    }

    void forwardProxy(ForwardProxy proxy) {
        this.forwardProxy = requireNonNull(proxy, "proxy");
    }
}
