package io.tidegate.kernel.engine;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.metrics.MetricsRegistry;
import io.tidegate.kernel.runtime.CompiledConfig;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The forwarding engine: binds every listener on one event loop group (acceptors and connections
 * share the loops; one connection stays on one loop for life) and owns the upstream connector.
 */
public final class Engine implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Engine.class.getName());

    private final GatewayConfig config;
    private final Transport transport;
    private final EventLoopGroup loops;
    /**
     * The loops of tcp and tls-passthrough connections: NIO, and so a group of their own when the engine
     * runs epoll. Netty 4.2's epoll transport deletes the epoll registration of a half-closed channel once
     * nothing is left to wait for, while still counting it as registered; the next write that must wait for
     * the socket then fails (epoll_ctl ENOENT) and the rest of the tunnel is lost. L4 tunnels half-close
     * (a client's FIN is passed on and the reply still flows), so they run on NIO until Netty is fixed.
     */
    private final EventLoopGroup l4Loops;
    private final Transport l4Transport;
    /** Names of L4 endpoints resolve on the L4 loops: the connector's resolver uses epoll datagram channels. */
    private final io.netty.resolver.AddressResolverGroup<InetSocketAddress> l4Resolver;
    private final UpstreamConnector connector;
    private final EngineContext context;
    private final HealthChecks healthChecks;
    private final Map<String, Channel> bound = new LinkedHashMap<>();

    public Engine(GatewayConfig config, Supplier<CompiledConfig> liveConfig, AccessLog accessLog,
                  MetricsRegistry metrics) {
        this(config, liveConfig, accessLog, metrics, null);
    }

    /**
     * @param proxyResolver resolves forward-proxy target names instead of the engine's DNS resolver (tests
     *                      make names resolve to chosen addresses); null: the engine's asynchronous resolver
     */
    public Engine(GatewayConfig config, Supplier<CompiledConfig> liveConfig, AccessLog accessLog,
                  MetricsRegistry metrics, io.tidegate.spi.plugin.DnsResolver proxyResolver) {
        this.config = requireNonNull(config, "config");
        this.transport = Transport.select(config.engine().transport());
        int threads = config.engine().eventLoops() > 0 ? config.engine().eventLoops()
                : Runtime.getRuntime().availableProcessors(); // Netty's own default would be twice that
        this.loops = transport.newGroup(threads, "tidegate-loop");
        this.l4Transport = transport.isEpoll() ? Transport.select("nio") : transport;
        boolean anyL4 = config.listeners().stream().anyMatch(GatewayConfig.ListenerConfig::isLayer4);
        this.l4Loops = l4Transport == transport ? loops : anyL4 ? l4Transport.newGroup(threads, "tidegate-l4") : null;
        EngineMetrics engineMetrics = new EngineMetrics(metrics);
        engineMetrics.breakerGauges(liveConfig);
        this.connector = new UpstreamConnector(transport, loops, engineMetrics, new UpstreamGauges(metrics, loops),
                config.engine().resolver());
        this.context = new EngineContext(liveConfig, connector, accessLog, engineMetrics);
        context.l4Metrics(new L4Metrics(metrics));
        this.l4Resolver = l4Loops == loops || l4Loops == null ? connector.resolver()
                : new io.tidegate.kernel.dns.DnsResolvers(config.engine().resolver(),
                        io.netty.channel.socket.nio.NioDatagramChannel.class,
                        io.netty.channel.socket.nio.NioSocketChannel.class).addressResolverGroup(); // engine.resolver
        context.l4Transport(l4Transport, l4Resolver);
        context.responseStamps(config.engine().serverHeader(), config.engine().upstreamTimeHeader());
        context.tracer(io.tidegate.kernel.tracing.Tracer.create(config.tracing(), metrics));
        context.forwardProxy(new ForwardProxy(transport, loops, config.defaults(), connector.resolver(), proxyResolver));
        this.healthChecks = new HealthChecks(connector, loops, context.metrics());
    }

    /**
     * Follows a config swap: starts active health checks for new clusters that ask for them, stops
     * those of clusters gone. Register it as the reconciler's swap listener.
     */
    public void onConfigSwap(CompiledConfig config) {
        healthChecks.update(config);
        for (L4Connection c : context.l4Connections()) { // closes those whose route the swap took away
            c.eventLoop().execute(() -> c.onSwap(config));
        }
    }

    /** Binds every listener; fails (and unbinds what was bound) when one cannot bind. */
    public void start() throws InterruptedException {
        healthChecks.update(context.config()); // the generation that went live before the engine existed
        for (GatewayConfig.ListenerConfig listener : config.listeners()) {
            boolean l4 = listener.isLayer4();
            ServerBootstrap b = new ServerBootstrap()
                    .group(l4 ? l4Loops : loops)
                    .channel(l4 ? l4Transport.serverChannel() : transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .handler(new ListenerConnections(listener.name(), listener.maxConnections(), context.metrics()))
                    .childHandler(l4 ? new L4ListenerInitializer(context, listener)
                            : new HttpListenerInitializer(context, listener));
            InetSocketAddress address = new InetSocketAddress(listener.listener().address().host(),
                    listener.listener().address().port());
            try {
                Channel ch = b.bind(address).sync().channel();
                bound.put(listener.name(), ch);
                LOG.log(System.Logger.Level.INFO, "listener " + listener.name() + " on " + ch.localAddress()
                        + " (" + transport + ")");
            } catch (Exception e) {
                close();
                throw new IllegalStateException("listener " + listener.name() + ": cannot bind " + address + ": "
                        + e.getMessage(), e);
            }
        }
    }

    /** The port a listener actually bound (useful with port 0). */
    public int port(String listener) {
        Channel ch = bound.get(listener);
        if (ch == null) {
            throw new IllegalArgumentException("listener " + listener + " is not bound");
        }
        return ((InetSocketAddress) ch.localAddress()).getPort();
    }

    public Transport transport() {
        return transport;
    }

    /** Stops accepting new connections. */
    public void stopAccepting() {
        bound.values().forEach(Channel::close);
    }

    /**
     * Graceful stop, first half: stop accepting, make every response close its connection, and wait
     * up to {@code timeout} for the requests in flight to finish. Returns whether they all did.
     */
    public boolean drain(java.time.Duration timeout) throws InterruptedException {
        context.startDraining();
        stopAccepting();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (context.metrics().activeRequests() > 0 || !context.l4Connections().isEmpty()) {
            if (System.nanoTime() >= deadline) {
                LOG.log(System.Logger.Level.WARNING, context.metrics().activeRequests() + " requests and "
                        + context.l4Connections().size() + " L4 connections still open after the drain timeout; closing");
                for (L4Connection c : context.l4Connections()) {
                    c.eventLoop().execute(c::closeForDrain);
                }
                return false;
            }
            Thread.sleep(10); // a shutdown-time poll of a counter many loops update
        }
        return true;
    }

    /** Requests in flight. */
    public long activeRequests() {
        return context.metrics().activeRequests();
    }

    @Override
    public void close() {
        healthChecks.close();
        stopAccepting();
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (l4Loops != null && l4Loops != loops) {
            l4Loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            l4Resolver.close();
        }
        connector.close();
        context.tracer().close(); // after the loops: the spans of the last exchanges are flushed too
    }
}
