package io.tidegate.kernel.config;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Listener;
import io.tidegate.spi.model.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The parsed main config file ({@code tidegate.yaml}). Every key is documented in
 * docs/configuration.md; {@link GatewayConfigLoader} is the only way to build one from YAML.
 *
 * @param file the file it was read from
 * @param installDir the directory relative paths resolve against (the install dir)
 * @param listeners listeners with their engine limits
 * @param admin admin API address
 * @param pluginsDir where plugin JARs are loaded from
 * @param sources config-source entries, in precedence order
 * @param policies global policy entries
 * @param accessLog access log settings
 * @param engine event loop settings
 * @param defaults timeouts used when a route or cluster sets none
 * @param debounce how long the reconciler waits for a burst of fragments to settle
 * @param tracing W3C trace context and OTLP span export ({@link TracingConfig#DISABLED}: none)
 */
public record GatewayConfig(Path file, Path installDir, List<ListenerConfig> listeners, SocketAddress admin,
                            Path pluginsDir, List<PluginEntry> sources, List<PluginEntry> policies,
                            AccessLogConfig accessLog, EngineConfig engine, Defaults defaults, Duration debounce,
                            TracingConfig tracing) {

    public GatewayConfig {
        requireNonNull(file, "file");
        requireNonNull(installDir, "installDir");
        listeners = List.copyOf(listeners);
        requireNonNull(admin, "admin");
        requireNonNull(pluginsDir, "pluginsDir");
        sources = List.copyOf(sources);
        policies = List.copyOf(policies);
        requireNonNull(accessLog, "accessLog");
        requireNonNull(engine, "engine");
        requireNonNull(defaults, "defaults");
        requireNonNull(debounce, "debounce");
        requireNonNull(tracing, "tracing");
    }

    /** Without tracing. */
    public GatewayConfig(Path file, Path installDir, List<ListenerConfig> listeners, SocketAddress admin,
                         Path pluginsDir, List<PluginEntry> sources, List<PluginEntry> policies,
                         AccessLogConfig accessLog, EngineConfig engine, Defaults defaults, Duration debounce) {
        this(file, installDir, listeners, admin, pluginsDir, sources, policies, accessLog, engine, defaults, debounce,
                TracingConfig.DISABLED);
    }

    /** The spi view of the listeners, lent to plugins. */
    public List<Listener> spiListeners() {
        return listeners.stream().map(ListenerConfig::listener).toList();
    }

    /**
     * A listener and the engine limits that apply to its connections.
     *
     * @param listener the spi listener
     * @param keepAliveTimeout idle keep-alive connections are closed after this
     * @param maxRequestLineBytes longer request lines get 414
     * @param maxHeaderBytes larger header blocks get 431
     * @param maxBodyBytes larger request bodies get 413; 0: unlimited
     * @param forwardProxy serve absolute-form requests no route matches and CONNECT as a forward proxy
     *                     (egress listeners only; docs/engine.md, "Forward proxy")
     * @param tls handshake settings of an {@code https} listener; null for the others
     * @param http2 downstream HTTP/2: ALPN {@code h2} on https, prior-knowledge h2c on http
     * @param maxConnections open client connections at most; a connection over it is closed at once; 0: unlimited
     * @param requestHeadersTimeout an HTTP/1.1 request head must be complete this long after its first byte
     *                              (408 and close otherwise: the slowloris guard); zero: no limit
     * @param l4 the settings of a {@code tcp} or {@code tls-passthrough} listener; null for http and https
     */
    public record ListenerConfig(Listener listener, Duration keepAliveTimeout, int maxRequestLineBytes,
                                 int maxHeaderBytes, long maxBodyBytes, boolean forwardProxy, ListenerTls tls,
                                 Http2 http2, int maxConnections, Duration requestHeadersTimeout, L4 l4) {

        /** nginx's (and ingress-nginx's) {@code client_header_timeout} default. */
        public static final Duration DEFAULT_REQUEST_HEADERS_TIMEOUT = Duration.ofSeconds(60);

        public ListenerConfig {
            java.util.Objects.requireNonNull(http2, "http2");
            if (tls != null) {
                tls = tls.withH2(http2.enabled()); // ALPN offers h2 exactly when the listener speaks it
            }
            if (maxConnections < 0) {
                throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: >= 0)");
            }
            java.util.Objects.requireNonNull(requestHeadersTimeout, "requestHeadersTimeout");
            boolean layer4 = listener.protocol() == io.tidegate.spi.model.ListenerProtocol.TCP
                    || listener.protocol() == io.tidegate.spi.model.ListenerProtocol.TLS_PASSTHROUGH;
            l4 = layer4 ? (l4 == null ? L4.DEFAULTS : l4) : null;
        }

        /**
         * Without a connection limit, with the default request headers timeout; an L4 listener gets the
         * default {@link L4} settings.
         */
        public ListenerConfig(Listener listener, Duration keepAliveTimeout, int maxRequestLineBytes,
                              int maxHeaderBytes, long maxBodyBytes, boolean forwardProxy, ListenerTls tls,
                              Http2 http2) {
            this(listener, keepAliveTimeout, maxRequestLineBytes, maxHeaderBytes, maxBodyBytes, forwardProxy, tls,
                    http2, 0, DEFAULT_REQUEST_HEADERS_TIMEOUT, null);
        }

        /** A {@code tcp} or {@code tls-passthrough} listener. */
        public static ListenerConfig layer4(Listener listener, L4 l4) {
            return new ListenerConfig(listener, Duration.ofSeconds(60), DEFAULT_L4_LINE, DEFAULT_L4_LINE, 0, false,
                    null, Http2.DISABLED, 0, DEFAULT_REQUEST_HEADERS_TIMEOUT, l4);
        }

        /** Whether this is a {@code tcp} or {@code tls-passthrough} listener (bytes, not HTTP). */
        public boolean isLayer4() {
            return l4 != null;
        }

        /** The same listener with at most {@code max} open connections (0: unlimited). */
        public ListenerConfig withMaxConnections(int max) {
            return new ListenerConfig(listener, keepAliveTimeout, maxRequestLineBytes, maxHeaderBytes, maxBodyBytes,
                    forwardProxy, tls, http2, max, requestHeadersTimeout, l4);
        }

        /** The same listener with this request headers timeout (zero: none). */
        public ListenerConfig withRequestHeadersTimeout(Duration timeout) {
            return new ListenerConfig(listener, keepAliveTimeout, maxRequestLineBytes, maxHeaderBytes, maxBodyBytes,
                    forwardProxy, tls, http2, maxConnections, timeout, l4);
        }

        /** With the default HTTP/2 settings (enabled). */
        public ListenerConfig(Listener listener, Duration keepAliveTimeout, int maxRequestLineBytes,
                              int maxHeaderBytes, long maxBodyBytes, boolean forwardProxy, ListenerTls tls) {
            this(listener, keepAliveTimeout, maxRequestLineBytes, maxHeaderBytes, maxBodyBytes, forwardProxy, tls,
                    Http2.DEFAULTS);
        }

        /** A plain listener that is not a forward proxy. */
        public ListenerConfig(Listener listener, Duration keepAliveTimeout, int maxRequestLineBytes,
                              int maxHeaderBytes, long maxBodyBytes) {
            this(listener, keepAliveTimeout, maxRequestLineBytes, maxHeaderBytes, maxBodyBytes, false, null);
        }

        /** A plain listener, a forward proxy or not. */
        public ListenerConfig(Listener listener, Duration keepAliveTimeout, int maxRequestLineBytes,
                              int maxHeaderBytes, long maxBodyBytes, boolean forwardProxy) {
            this(listener, keepAliveTimeout, maxRequestLineBytes, maxHeaderBytes, maxBodyBytes, forwardProxy, null);
        }

        /** A listener with TLS ({@code null}: without), not a forward proxy. */
        public ListenerConfig(Listener listener, Duration keepAliveTimeout, int maxRequestLineBytes,
                              int maxHeaderBytes, long maxBodyBytes, ListenerTls tls) {
            this(listener, keepAliveTimeout, maxRequestLineBytes, maxHeaderBytes, maxBodyBytes, false, tls);
        }

        public String name() {
            return listener.name();
        }
    }

    /** The HTTP limits an L4 listener carries but never uses. */
    private static final int DEFAULT_L4_LINE = 8192;

    /**
     * The settings of a {@code tcp} or {@code tls-passthrough} listener (docs/configuration.md, "L4 listeners").
     *
     * @param idleTimeout a connection with no byte either way for this long is closed; a route's
     *                    {@code idleTimeout} overrides it
     * @param clientHelloTimeout tls-passthrough: how long a client has to send its whole ClientHello
     * @param maxClientHelloBytes tls-passthrough: a larger ClientHello closes the connection
     */
    public record L4(Duration idleTimeout, Duration clientHelloTimeout, int maxClientHelloBytes) {

        public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);
        public static final Duration DEFAULT_CLIENT_HELLO_TIMEOUT = Duration.ofSeconds(15);
        public static final int DEFAULT_MAX_CLIENT_HELLO_BYTES = 64 * 1024;
        public static final L4 DEFAULTS = new L4(DEFAULT_IDLE_TIMEOUT, DEFAULT_CLIENT_HELLO_TIMEOUT,
                DEFAULT_MAX_CLIENT_HELLO_BYTES);

        public L4 {
            requireNonNull(idleTimeout, "idleTimeout");
            requireNonNull(clientHelloTimeout, "clientHelloTimeout");
            if (maxClientHelloBytes < 512) {
                throw new IllegalArgumentException("maxClientHelloBytes: " + maxClientHelloBytes
                        + " (expected: >= 512)");
            }
        }
    }

    /**
     * A listener's {@code http2:} block.
     *
     * @param enabled ALPN offers {@code h2} (https), or the h2c connection preface is recognised (http)
     * @param maxConcurrentStreams SETTINGS_MAX_CONCURRENT_STREAMS, streams a client may have open at once
     * @param initialWindowSize SETTINGS_INITIAL_WINDOW_SIZE, bytes of one stream's body a client may send
     *                          before the gateway has passed them on
     */
    public record Http2(boolean enabled, long maxConcurrentStreams, int initialWindowSize) {

        public static final long DEFAULT_MAX_CONCURRENT_STREAMS = 100;
        public static final int DEFAULT_INITIAL_WINDOW_SIZE = 65_535;
        public static final Http2 DEFAULTS = new Http2(true, DEFAULT_MAX_CONCURRENT_STREAMS,
                DEFAULT_INITIAL_WINDOW_SIZE);
        public static final Http2 DISABLED = new Http2(false, DEFAULT_MAX_CONCURRENT_STREAMS,
                DEFAULT_INITIAL_WINDOW_SIZE);

        public Http2 {
            if (maxConcurrentStreams < 1 || maxConcurrentStreams > 0xFFFFFFFFL) {
                throw new IllegalArgumentException("maxConcurrentStreams: " + maxConcurrentStreams
                        + " (expected: 1 to 4294967295)");
            }
            if (initialWindowSize < 1) {
                throw new IllegalArgumentException("initialWindowSize: " + initialWindowSize
                        + " (expected: 1 to 2147483647)");
            }
        }
    }

    /**
     * A {@code sources:} or {@code policies:} entry.
     *
     * @param id the plugin extension id
     * @param name the instance name (its {@code name:} key, else the id)
     * @param settings every other key, for the plugin to validate
     * @param listeners for policies: the listeners the policy binds to; empty means all
     */
    public record PluginEntry(String id, String name, ConfigNode settings, List<String> listeners) {
        public PluginEntry {
            listeners = List.copyOf(listeners);
        }
    }

    /**
     * @param enabled write access log lines at all
     * @param target {@code stdout}, {@code stderr} or a file path
     * @param format {@code default}, {@code json} or {@code envoy}
     */
    public record AccessLogConfig(boolean enabled, String target, String format) {
    }

    /**
     * @param eventLoops event loop threads; 0: one per core
     * @param transport {@code auto} (epoll when available), {@code epoll} or {@code nio}
     * @param serverHeader the {@code Server} header of every response (replacing an upstream's); null: an
     *                     upstream's passes through and the gateway's own answers carry none
     * @param upstreamTimeHeader a response header carrying the milliseconds from sending the request
     *                           upstream to its response head (Envoy's {@code x-envoy-upstream-service-time});
     *                           null: none
     * @param resolver the DNS resolver of upstream connections, health checks and plugins ({@code engine.resolver})
     */
    public record EngineConfig(int eventLoops, String transport, String serverHeader, String upstreamTimeHeader,
                               ResolverSettings resolver) {

        public EngineConfig {
            resolver = resolver == null ? ResolverSettings.SYSTEM : resolver;
        }

        /** With the system's DNS resolver settings. */
        public EngineConfig(int eventLoops, String transport, String serverHeader, String upstreamTimeHeader) {
            this(eventLoops, transport, serverHeader, upstreamTimeHeader, ResolverSettings.SYSTEM);
        }

        /** Without {@code Server} or upstream-time headers of the gateway's own. */
        public EngineConfig(int eventLoops, String transport) {
            this(eventLoops, transport, null, null);
        }
    }

    /**
     * @param connectTimeout upstream connect timeout
     * @param requestTimeout whole-exchange timeout; zero disables
     * @param idleTimeout longest time no byte moves during an exchange
     * @param upstreamIdleTimeout idle pooled upstream connections are closed after this
     */
    public record Defaults(Duration connectTimeout, Duration requestTimeout, Duration idleTimeout,
                           Duration upstreamIdleTimeout) {
    }
}
