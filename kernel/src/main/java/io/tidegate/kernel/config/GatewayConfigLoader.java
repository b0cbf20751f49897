package io.tidegate.kernel.config;

import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.Listener;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.ListenerRole;
import io.tidegate.spi.model.SocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code tidegate.yaml} strictly: an unknown key, a missing required key or a bad value fails
 * with the file, line, key path and what was expected. Plugin settings are passed through untouched
 * for the plugin to validate.
 */
public final class GatewayConfigLoader {

    static final int DEFAULT_MAX_REQUEST_LINE = 8 * 1024;
    static final int DEFAULT_MAX_HEADERS = 16 * 1024;

    private final SnakeYamlReader yaml = new SnakeYamlReader();

    /**
     * Loads {@code file}. Relative paths in it resolve against {@code installDir}.
     *
     * @throws ConfigException on any invalid content
     * @throws IOException when the file cannot be read
     */
    public GatewayConfig load(Path file, Path installDir) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file (expected: a tidegate.yaml, see docs/configuration.md)");
        }
        List<ConfigNode> docs = yaml.read(file);
        if (docs.size() != 1) {
            throw new ConfigException(new io.tidegate.spi.config.ConfigLocation(file.toString(), 0, 0), "",
                    docs.size() + " YAML documents (expected: exactly one)");
        }
        return parse(docs.get(0), file, installDir);
    }

    /** Parses an already-read root node. */
    public GatewayConfig parse(ConfigNode root, Path file, Path installDir) {
        root.requireOnlyKeys("listeners", "admin", "plugins", "sources", "policies", "accessLog", "engine",
                "defaults", "reconcile", "tracing");
        List<GatewayConfig.ListenerConfig> listeners = listeners(root.getOrNull("listeners"), installDir);
        ConfigNode admin = root.getOrNull("admin").requireOnlyKeys("address");
        SocketAddress adminAddress = address(admin.getOrNull("address"), "127.0.0.1:9901");
        ConfigNode plugins = root.getOrNull("plugins").requireOnlyKeys("dir");
        Path pluginsDir = installDir.resolve(plugins.string("dir", "plugins")).normalize();
        List<GatewayConfig.PluginEntry> sources = entries(root.getOrNull("sources"), false);
        List<GatewayConfig.PluginEntry> policies = entries(root.getOrNull("policies"), true);
        checkPolicyListeners(root.getOrNull("policies"), policies, listeners);

        ConfigNode log = root.getOrNull("accessLog").requireOnlyKeys("enabled", "target", "format");
        String format = log.string("format", "default");
        if (!format.equals("default") && !format.equals("json") && !format.equals("envoy")) {
            throw log.get("format").error("'" + format + "' (expected one of: default, json, envoy)");
        }
        String target = log.string("target", "stdout");
        if (!target.equals("stdout") && !target.equals("stderr")) {
            target = installDir.resolve(target).normalize().toString(); // relative to the install dir, like every path
        }
        GatewayConfig.AccessLogConfig accessLog =
                new GatewayConfig.AccessLogConfig(log.bool("enabled", true), target, format);

        ConfigNode engine = root.getOrNull("engine").requireOnlyKeys("eventLoops", "transport", "serverHeader",
                "upstreamTimeHeader", "resolver");
        int eventLoops = engine.find("eventLoops").map(n -> n.asInt(0, 1024)).orElse(0);
        String transport = engine.string("transport", "auto");
        if (!Set.of("auto", "epoll", "nio").contains(transport)) {
            throw engine.get("transport").error("'" + transport + "' (expected one of: auto, epoll, nio)");
        }
        String serverHeader = engine.find("serverHeader").map(GatewayConfigLoader::headerValue).orElse(null);
        String upstreamTimeHeader = engine.find("upstreamTimeHeader").map(GatewayConfigLoader::headerName).orElse(null);

        ConfigNode defaults = root.getOrNull("defaults")
                .requireOnlyKeys("connectTimeout", "requestTimeout", "idleTimeout", "upstreamIdleTimeout");
        GatewayConfig.Defaults timeouts = new GatewayConfig.Defaults(
                positive(defaults, "connectTimeout", Duration.ofSeconds(5)),
                defaults.duration("requestTimeout", Duration.ZERO),
                positive(defaults, "idleTimeout", Duration.ofSeconds(60)),
                positive(defaults, "upstreamIdleTimeout", Duration.ofSeconds(60)));

        ConfigNode reconcile = root.getOrNull("reconcile").requireOnlyKeys("debounce");
        Duration debounce = reconcile.duration("debounce", Duration.ofMillis(100));

        return new GatewayConfig(file, installDir, listeners, adminAddress, pluginsDir, sources, policies, accessLog,
                new GatewayConfig.EngineConfig(eventLoops, transport, serverHeader, upstreamTimeHeader,
                        ResolverSettingsLoader.parse(engine.getOrNull("resolver"))), timeouts,
                debounce, TracingConfigLoader.parse(root.getOrNull("tracing")));
    }

    private static List<GatewayConfig.ListenerConfig> listeners(ConfigNode node, Path installDir) {
        if (node.isNull() || node.items().isEmpty()) {
            throw node.error("is required (expected: at least one listener, e.g. {name: web, address: 0.0.0.0:8080, "
                    + "protocol: http})");
        }
        List<GatewayConfig.ListenerConfig> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<SocketAddress> addresses = new HashSet<>();
        for (ConfigNode item : node.items()) {
            item.requireOnlyKeys("name", "address", "protocol", "role", "keepAliveTimeout", "maxRequestLine",
                    "maxHeaderSize", "maxBodySize", "forwardProxy", "tls", "http2", "maxConnections",
                    "requestHeadersTimeout", "idleTimeout", "clientHelloTimeout", "maxClientHelloSize");
            String name = item.string("name");
            if (!names.add(name)) {
                throw item.get("name").error("duplicate listener name '" + name + "'");
            }
            SocketAddress address = address(item.get("address"), null);
            if (address.port() != 0 && !addresses.add(address)) {
                throw item.get("address").error("address " + address + " is used by another listener");
            }
            ListenerProtocol protocol = item.getOrNull("protocol").isNull() ? ListenerProtocol.HTTP
                    : item.get("protocol").asEnum(ListenerProtocol.class);
            ListenerRole role = item.getOrNull("role").isNull() ? ListenerRole.INGRESS
                    : item.get("role").asEnum(ListenerRole.class);
            if (protocol == ListenerProtocol.TCP || protocol == ListenerProtocol.TLS_PASSTHROUGH) {
                out.add(GatewayConfig.ListenerConfig.layer4(new Listener(name, address, protocol, role, null,
                        List.of()), layer4(item, protocol)).withMaxConnections(maxConnections(item)));
                continue;
            }
            for (String key : List.of("idleTimeout", "clientHelloTimeout", "maxClientHelloSize")) {
                if (!item.getOrNull(key).isNull()) {
                    throw item.get(key).error("is only for tcp and tls-passthrough listeners (expected: protocol: "
                            + (key.equals("idleTimeout") ? "tcp or tls-passthrough" : "tls-passthrough")
                            + ", or no " + key + ")");
                }
            }
            ListenerTlsLoader.Loaded tls = null;
            if (protocol == ListenerProtocol.HTTPS) {
                tls = ListenerTlsLoader.parse(item.getOrNull("tls"), installDir);
            } else if (!item.getOrNull("tls").isNull()) {
                throw item.get("tls").error("is only for protocol https (expected: protocol: https, or no tls)");
            }
            boolean forwardProxy = item.bool("forwardProxy", false);
            if (forwardProxy && role != ListenerRole.EGRESS) {
                // An open proxy on an ingress listener would let anyone on the internet reach inside.
                throw item.get("forwardProxy").error("only an egress listener can be a forward proxy (listener '" + name
                        + "' has role " + role.name().toLowerCase(java.util.Locale.ROOT) + "; expected: role: egress)");
            }
            Listener listener = new Listener(name, address, protocol, role, tls == null ? null : tls.spi(),
                    List.of());
            out.add(new GatewayConfig.ListenerConfig(listener,
                    positive(item, "keepAliveTimeout", Duration.ofSeconds(60)),
                    intSize(item, "maxRequestLine", DEFAULT_MAX_REQUEST_LINE),
                    intSize(item, "maxHeaderSize", DEFAULT_MAX_HEADERS),
                    item.byteSize("maxBodySize", 0), forwardProxy, tls == null ? null : tls.config(),
                    http2(item.getOrNull("http2")), maxConnections(item),
                    item.duration("requestHeadersTimeout",
                            GatewayConfig.ListenerConfig.DEFAULT_REQUEST_HEADERS_TIMEOUT), null));
        }
        return out;
    }

    /** A listener's {@code maxConnections}; absent: 0, unlimited. */
    private static int maxConnections(ConfigNode listener) {
        ConfigNode n = listener.getOrNull("maxConnections");
        if (n.isNull()) {
            return 0;
        }
        long max = n.asLong();
        if (max < 1 || max > Integer.MAX_VALUE) {
            throw n.error(max + " (expected: 1 to 2147483647; leave it out for no limit)");
        }
        return (int) max;
    }

    /** The keys of HTTP listeners, which mean nothing on one that relays bytes. */
    private static final List<String> HTTP_ONLY_KEYS = List.of("tls", "http2", "forwardProxy", "keepAliveTimeout",
            "maxRequestLine", "maxHeaderSize", "maxBodySize", "requestHeadersTimeout");

    /** The settings of a {@code tcp} or {@code tls-passthrough} listener. */
    private static GatewayConfig.L4 layer4(ConfigNode item, ListenerProtocol protocol) {
        String kind = protocol == ListenerProtocol.TCP ? "tcp" : "tls-passthrough";
        for (String key : HTTP_ONLY_KEYS) {
            if (!item.getOrNull(key).isNull()) {
                String why = key.equals("tls") ? " (a " + kind + " listener never terminates TLS; expected: "
                        + "protocol: https to terminate, or no tls)" : " (expected: protocol: http or https, or no "
                        + key + ")";
                throw item.get(key).error("is not for " + kind + " listeners" + why);
            }
        }
        if (protocol == ListenerProtocol.TCP) {
            for (String key : List.of("clientHelloTimeout", "maxClientHelloSize")) {
                if (!item.getOrNull(key).isNull()) {
                    throw item.get(key).error("is only for tls-passthrough listeners (a tcp listener reads no "
                            + "ClientHello; expected: protocol: tls-passthrough, or no " + key + ")");
                }
            }
        }
        Duration idle = positive(item, "idleTimeout", GatewayConfig.L4.DEFAULT_IDLE_TIMEOUT);
        Duration hello = positive(item, "clientHelloTimeout", GatewayConfig.L4.DEFAULT_CLIENT_HELLO_TIMEOUT);
        long maxHello = item.byteSize("maxClientHelloSize", GatewayConfig.L4.DEFAULT_MAX_CLIENT_HELLO_BYTES);
        if (maxHello < 512 || maxHello > 1024 * 1024) {
            throw item.get("maxClientHelloSize").error(maxHello + " bytes (expected: 512 to 1m, e.g. 64k)");
        }
        return new GatewayConfig.L4(idle, hello, (int) maxHello);
    }

    /** A listener's {@code http2:} block; absent: enabled with the defaults. */
    private static GatewayConfig.Http2 http2(ConfigNode node) {
        if (node.isNull()) {
            return GatewayConfig.Http2.DEFAULTS;
        }
        node.requireOnlyKeys("enabled", "maxConcurrentStreams", "initialWindowSize");
        boolean enabled = node.bool("enabled", true);
        long streams = node.getOrNull("maxConcurrentStreams").isNull()
                ? GatewayConfig.Http2.DEFAULT_MAX_CONCURRENT_STREAMS : node.get("maxConcurrentStreams").asLong();
        if (streams < 1 || streams > 0xFFFFFFFFL) {
            throw node.get("maxConcurrentStreams").error(streams + " (expected: 1 to 4294967295, e.g. 100)");
        }
        long window = node.byteSize("initialWindowSize", GatewayConfig.Http2.DEFAULT_INITIAL_WINDOW_SIZE);
        if (window < 1 || window > Integer.MAX_VALUE) {
            throw node.get("initialWindowSize").error(window + " (expected: 1 to 2147483647 bytes, e.g. 64k)");
        }
        return new GatewayConfig.Http2(enabled, streams, (int) window);
    }

    private static List<GatewayConfig.PluginEntry> entries(ConfigNode node, boolean bindable) {
        List<GatewayConfig.PluginEntry> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ConfigNode item : node.items()) {
            String id = item.string("id");
            String name = item.string("name", id);
            if (!names.add(name)) {
                throw item.get("id").error("two entries named '" + name
                        + "' (expected: unique names; add `name:` to tell them apart)");
            }
            Map<String, ConfigNode> settings = new LinkedHashMap<>();
            for (String key : item.keys()) {
                boolean reserved = key.equals("id") || key.equals("name") || (bindable && key.equals("listeners"));
                if (!reserved) {
                    settings.put(key, item.getOrNull(key));
                }
            }
            List<String> listeners = bindable ? item.strings("listeners") : List.of();
            out.add(new GatewayConfig.PluginEntry(id, name, ConfigNode.map(item.location(), item.path(), settings),
                    listeners));
        }
        return out;
    }

    private static void checkPolicyListeners(ConfigNode node, List<GatewayConfig.PluginEntry> policies,
                                             List<GatewayConfig.ListenerConfig> listeners) {
        Set<String> names = new HashSet<>();
        listeners.forEach(l -> names.add(l.name()));
        for (int i = 0; i < policies.size(); i++) {
            for (String name : policies.get(i).listeners()) {
                if (!names.contains(name)) {
                    throw node.items().get(i).get("listeners").error("no listener named '" + name
                            + "' (expected one of: " + String.join(", ", new java.util.TreeSet<>(names)) + ")");
                }
            }
        }
    }

    private static SocketAddress address(ConfigNode node, String fallback) {
        if (node.isNull()) {
            if (fallback == null) {
                throw node.error("is required but missing (expected: host:port)");
            }
            return SocketAddress.parse(fallback);
        }
        try {
            return SocketAddress.parse(node.asString());
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
    }

    private static Duration positive(ConfigNode parent, String key, Duration fallback) {
        Duration d = parent.duration(key, fallback);
        if (d.isZero() || d.isNegative()) {
            throw parent.get(key).error("'" + parent.string(key) + "' (expected: a duration > 0, e.g. 30s)");
        }
        return d;
    }

    private static int intSize(ConfigNode parent, String key, int fallback) {
        long v = parent.byteSize(key, fallback);
        if (v < 256 || v > 1024 * 1024) {
            throw parent.get(key).error(v + " bytes (expected: 256 to 1m)");
        }
        return (int) v;
    }

    /** An RFC 9110 field name: a token, lower-cased as it goes on the wire. */
    private static String headerName(ConfigNode node) {
        String name = node.asString();
        if (name.isEmpty() || !name.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c)
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0))) {
            throw node.error("\"" + name + "\" is not a header name (expected: letters, digits and !#$%&'*+-.^_`|~)");
        }
        return name.toLowerCase(java.util.Locale.ROOT);
    }

    /** A header value a client can be sent: visible ASCII and spaces, one line, at most 256 characters. */
    private static String headerValue(ConfigNode node) {
        String value = node.asString().trim();
        if (value.isEmpty() || value.length() > 256 || !value.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw node.error("'" + value + "' (expected: 1 to 256 visible ASCII characters, e.g. tidegate)");
        }
        return value;
    }
}
