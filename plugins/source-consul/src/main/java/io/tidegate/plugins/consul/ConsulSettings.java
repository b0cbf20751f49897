package io.tidegate.plugins.consul;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.plugin.PluginContext;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A Consul source's settings in {@code tidegate.yaml} ({@code docs/source-consul.md} documents each key).
 *
 * @param address the agent's HTTP(S) address
 * @param token the ACL token ({@code token}, or read from {@code tokenFile}) sent as {@code X-Consul-Token};
 *              null: none. Never logged ({@link #toString()}).
 * @param tls TLS to the agent; null: the JDK's trust store when {@code address} is https
 * @param datacenter the {@code dc} of every query; null: the agent's
 * @param namespace the {@code ns} of every query (Consul Enterprise); null: the token's default
 * @param partition the {@code partition} of every query (Consul Enterprise); null: the token's default
 * @param serviceNames services to watch; empty: every service (but {@code consul} itself)
 * @param serviceTags only services carrying at least one of these tags; empty: no tag condition
 * @param clusterPerTag tags that get a cluster of their own, {@code <tag>.<service>.service.consul:<port>}
 * @param includeWarning whether instances with a warning check (but no critical one) receive traffic
 * @param routesFromTags whether {@code tidegate.*} service tags become routes
 * @param kvPrefix a KV prefix holding route documents; null: none
 * @param blockingWait the {@code wait} of blocking queries
 * @param backoffInitial the first retry delay after a failed query
 * @param backoffMax the longest retry delay
 * @param minQueryInterval the shortest time between two queries of one watch (churn limit)
 * @param debounce how long changes are collected before one fragment is published
 * @param connectTimeout TCP and TLS connect timeout to the agent
 */
record ConsulSettings(URI address, String token, Tls tls, String datacenter, String namespace, String partition,
                      List<String> serviceNames, List<String> serviceTags, List<String> clusterPerTag,
                      boolean includeWarning, boolean routesFromTags, String kvPrefix, Duration blockingWait,
                      Duration backoffInitial, Duration backoffMax, Duration minQueryInterval, Duration debounce,
                      Duration connectTimeout) {

    static final URI DEFAULT_ADDRESS = URI.create("http://127.0.0.1:8500");
    static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
    static final Duration MAX_WAIT = Duration.ofMinutes(10);
    static final Duration MIN_WAIT = Duration.ofSeconds(1);

    /**
     * TLS to the agent.
     *
     * @param caFile PEM CA certificates to trust; null: the JDK's trust store
     * @param certFile PEM client certificate (chain) for mutual TLS; null: none
     * @param keyFile PEM PKCS#8 private key of {@code certFile}
     * @param verify whether the agent's certificate and host name are checked
     */
    record Tls(Path caFile, Path certFile, Path keyFile, boolean verify) { }

    ConsulSettings {
        serviceNames = List.copyOf(serviceNames);
        serviceTags = List.copyOf(serviceTags);
        clusterPerTag = List.copyOf(clusterPerTag);
    }

    /**
     * Reads and checks the settings.
     *
     * @throws io.tidegate.spi.config.ConfigException naming the key and what was expected
     */
    static ConsulSettings parse(ConfigNode settings, PluginContext context) {
        settings.requireOnlyKeys("address", "token", "tokenFile", "tls", "datacenter", "namespace", "partition", "services",
                "clusterPerTag", "includeWarning", "routesFromTags", "kvPrefix", "wait", "backoff",
                "minQueryInterval", "debounce", "connectTimeout");
        URI address = address(settings);
        String token = optional(settings, "token");
        if (settings.has("tokenFile")) {
            if (token != null) {
                throw settings.get("tokenFile").error("and 'token' are both set (expected: one of them)");
            }
            Path file = file(settings, "tokenFile", context);
            try {
                token = Files.readString(file).trim();
            } catch (java.io.IOException e) {
                throw settings.get("tokenFile").error("cannot be read: " + e.getMessage());
            }
            if (token.isEmpty()) {
                throw settings.get("tokenFile").error("'" + file + "' is empty (expected: the ACL token)");
            }
        }
        Tls tls = null;
        if (settings.has("tls")) {
            tls = tls(settings.get("tls"), context);
            if (!"https".equals(address.getScheme())) {
                throw settings.get("tls").error("is set but address " + address + " is not https (expected: https://host:port)");
            }
        }
        List<String> names = List.of();
        List<String> tags = List.of();
        if (settings.has("services")) {
            ConfigNode services = settings.get("services");
            services.requireOnlyKeys("names", "tags");
            names = nonBlank(services, "names");
            tags = nonBlank(services, "tags");
        }
        List<String> perTag = nonBlank(settings, "clusterPerTag");
        for (String tag : perTag) {
            if (!dnsLabel(tag)) {
                throw settings.get("clusterPerTag").error("'" + tag + "' is not a DNS label (expected: letters, digits and '-', as Consul DNS tags)");
            }
        }
        String kvPrefix = optional(settings, "kvPrefix");
        if (kvPrefix != null && kvPrefix.startsWith("/")) {
            throw settings.get("kvPrefix").error("'" + kvPrefix + "' starts with '/' (expected: a key prefix such as tidegate/routes/)");
        }
        Duration wait = settings.duration("wait", DEFAULT_WAIT);
        if (wait.compareTo(MIN_WAIT) < 0 || wait.compareTo(MAX_WAIT) > 0 || wait.toMillis() % 1000 != 0) {
            throw settings.get("wait").error(wait.toMillis() + "ms (expected: 1s to 10m, Consul's limit; whole seconds)");
        }
        Duration initial = Duration.ofSeconds(1);
        Duration max = Duration.ofSeconds(30);
        if (settings.has("backoff")) {
            ConfigNode backoff = settings.get("backoff");
            backoff.requireOnlyKeys("initial", "max");
            initial = backoff.duration("initial", initial);
            max = backoff.duration("max", max);
            if (initial.isZero() || initial.isNegative()) {
                throw backoff.get("initial").error(initial.toMillis() + "ms (expected: > 0)");
            }
            if (max.compareTo(initial) < 0) {
                throw backoff.get("max").error(max.toMillis() + "ms (expected: >= backoff.initial, " + initial.toMillis() + "ms)");
            }
        }
        Duration minInterval = settings.duration("minQueryInterval", Duration.ofMillis(50));
        if (minInterval.compareTo(Duration.ofSeconds(10)) > 0) {
            throw settings.get("minQueryInterval").error(minInterval.toMillis() + "ms (expected: 0ms to 10s)");
        }
        Duration debounce = settings.duration("debounce", Duration.ofMillis(50));
        if (debounce.compareTo(Duration.ofSeconds(5)) > 0) {
            throw settings.get("debounce").error(debounce.toMillis() + "ms (expected: 0ms to 5s)");
        }
        Duration connect = settings.duration("connectTimeout", Duration.ofSeconds(5));
        if (connect.isZero() || connect.isNegative()) {
            throw settings.get("connectTimeout").error(connect.toMillis() + "ms (expected: > 0)");
        }
        return new ConsulSettings(address, token, tls, optional(settings, "datacenter"), optional(settings, "namespace"),
                optional(settings, "partition"), names, tags, perTag, settings.bool("includeWarning", false),
                settings.bool("routesFromTags", true), kvPrefix, wait, initial, max, minInterval, debounce, connect);
    }

    /** Whether a service of the catalog is watched. */
    boolean wants(String service, List<String> tagsOfService) {
        if (serviceNames.isEmpty()) {
            if ("consul".equals(service)) {
                return false; // the servers' own registration: named explicitly, or not at all
            }
        } else if (!serviceNames.contains(service)) {
            return false;
        }
        if (serviceTags.isEmpty()) {
            return true;
        }
        for (String tag : tagsOfService) {
            if (serviceTags.contains(tag)) {
                return true;
            }
        }
        return false;
    }

    private static URI address(ConfigNode settings) {
        if (!settings.has("address")) {
            return DEFAULT_ADDRESS;
        }
        ConfigNode node = settings.get("address");
        String text = node.asString().trim();
        if (!text.contains("://")) {
            text = "http://" + text;
        }
        URI uri;
        try {
            uri = URI.create(text);
        } catch (IllegalArgumentException e) {
            throw node.error("'" + node.asString() + "' is not an address (expected: e.g. http://127.0.0.1:8500)");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!Set.of("http", "https").contains(scheme) || uri.getHost() == null) {
            throw node.error("'" + node.asString() + "' (expected: http://host:port or https://host:port)");
        }
        if (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/")) {
            throw node.error("'" + node.asString() + "' has a path (expected: the agent's address only, e.g. https://consul:8501)");
        }
        int port = uri.getPort() > 0 ? uri.getPort() : ("https".equals(scheme) ? 8501 : 8500);
        return URI.create(scheme + "://" + (uri.getHost().contains(":") && !uri.getHost().startsWith("[")
                ? "[" + uri.getHost() + "]" : uri.getHost()) + ":" + port);
    }

    private static Tls tls(ConfigNode node, PluginContext context) {
        node.requireOnlyKeys("caFile", "certFile", "keyFile", "verify");
        Path ca = file(node, "caFile", context);
        Path cert = file(node, "certFile", context);
        Path key = file(node, "keyFile", context);
        if ((cert == null) != (key == null)) {
            throw node.error("has " + (cert == null ? "keyFile without certFile" : "certFile without keyFile")
                    + " (expected: both, for mutual TLS, or neither)");
        }
        return new Tls(ca, cert, key, node.bool("verify", true));
    }

    private static Path file(ConfigNode node, String key, PluginContext context) {
        if (!node.has(key)) {
            return null;
        }
        ConfigNode value = node.get(key);
        Path path = context.resolvePath(value.asString());
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw value.error("'" + value.asString() + "' (" + path + ") is not a readable file");
        }
        return path;
    }

    private static String optional(ConfigNode settings, String key) {
        if (!settings.has(key) || settings.get(key).isNull()) {
            return null;
        }
        String value = settings.get(key).asString().trim();
        if (value.isEmpty()) {
            throw settings.get(key).error("is empty (expected: a value, or leave the key out)");
        }
        return value;
    }

    private static List<String> nonBlank(ConfigNode node, String key) {
        if (!node.has(key)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String s : node.strings(key)) {
            if (s.isBlank()) {
                throw node.get(key).error("has an empty item (expected: names)");
            }
            if (!out.contains(s.trim())) {
                out.add(s.trim());
            }
        }
        return out;
    }

    static boolean dnsLabel(String s) {
        return !s.isEmpty() && s.length() <= 63 && s.chars().allMatch(c -> Character.isLetterOrDigit(c) && c < 128 || c == '-')
                && s.charAt(0) != '-' && s.charAt(s.length() - 1) != '-';
    }

    /** Without the token: settings appear in logs and errors. */
    @Override
    public String toString() {
        return "ConsulSettings[address=" + address + ", token=" + (token == null ? "none" : "<redacted>")
                + ", tls=" + tls + ", datacenter=" + datacenter + ", namespace=" + namespace + ", partition="
                + partition + ", services=" + serviceNames + ", tags=" + serviceTags + ", clusterPerTag="
                + clusterPerTag + ", includeWarning=" + includeWarning + ", routesFromTags=" + routesFromTags
                + ", kvPrefix=" + kvPrefix + ", wait=" + blockingWait + "]";
    }
}
