package io.tidegate.kernel.config;

import io.tidegate.spi.config.ConfigNode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Reads {@code engine.resolver} strictly into {@link ResolverSettings}. */
final class ResolverSettingsLoader {

    private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");
    private static final Pattern DOMAIN = Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");

    private ResolverSettingsLoader() {
    }

    static ResolverSettings parse(ConfigNode node) {
        if (node.isNull()) {
            return ResolverSettings.SYSTEM;
        }
        if (node.has("valid")) { // the nginx spelling
            throw node.get("valid").error("unknown key (expected: maxTtl, which caps record TTLs as nginx's "
                    + "resolver valid= does)");
        }
        node.requireOnlyKeys("servers", "minTtl", "maxTtl", "negativeTtl", "timeout", "searchDomains", "ndots");
        ResolverSettings system = ResolverSettings.SYSTEM;
        List<InetSocketAddress> servers = new ArrayList<>();
        ConfigNode list = node.getOrNull("servers");
        if (!list.isNull()) {
            if (list.items().isEmpty()) {
                throw list.error("is empty (expected: at least one ip[:port], or no servers key for the system's)");
            }
            for (ConfigNode item : list.items()) {
                servers.add(server(item));
            }
        }
        Duration minTtl = seconds(node, "minTtl", system.minTtl());
        Duration maxTtl = seconds(node, "maxTtl", system.maxTtl());
        if (minTtl.compareTo(maxTtl) > 0) {
            throw node.get("minTtl").error(minTtl.toSeconds() + "s is longer than maxTtl " + maxTtl.toSeconds()
                    + "s (expected: minTtl <= maxTtl)");
        }
        Duration negativeTtl = seconds(node, "negativeTtl", system.negativeTtl());
        Duration timeout = node.duration("timeout", system.timeout());
        if (timeout.toMillis() < 1) {
            throw node.get("timeout").error(timeout.toNanos() + "ns (expected: at least 1ms)");
        }
        List<String> searchDomains = system.searchDomains();
        ConfigNode domains = node.getOrNull("searchDomains");
        if (!domains.isNull()) {
            searchDomains = new ArrayList<>();
            for (ConfigNode item : domains.items()) {
                String domain = item.asString();
                if (!DOMAIN.matcher(domain).matches() || domain.length() > 253) {
                    throw item.error("'" + domain + "' (expected: a domain name, e.g. svc.cluster.local)");
                }
                searchDomains.add(domain.toLowerCase(Locale.ROOT));
            }
        }
        int ndots = node.find("ndots").map(n -> n.asInt(0, 15)).orElse(system.ndots());
        return new ResolverSettings(servers, minTtl, maxTtl, negativeTtl, timeout, searchDomains, ndots);
    }

    /** {@code ip}, {@code ip:port}, {@code [v6]} or {@code [v6]:port}; names are refused (who would resolve them?). */
    private static InetSocketAddress server(ConfigNode item) {
        String text = item.asString().trim();
        String host = text;
        int port = 53;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw item.error("'" + text + "' (expected: ip[:port], IPv6 as [addr]:port)");
            }
            host = text.substring(1, close);
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw item.error("'" + text + "' (expected: ip[:port], IPv6 as [addr]:port)");
                }
                port = port(item, text, rest.substring(1));
            }
            if (host.indexOf(':') < 0) {
                throw item.error("'" + text + "' (expected: an IPv6 address inside [])");
            }
        } else if (text.indexOf(':') != text.lastIndexOf(':')) {
            host = text; // a bare IPv6 address, port 53
        } else if (text.indexOf(':') > 0) {
            host = text.substring(0, text.indexOf(':'));
            port = port(item, text, text.substring(text.indexOf(':') + 1));
        }
        if (host.indexOf(':') < 0 && !IPV4.matcher(host).matches()) {
            throw item.error("'" + text + "' is not an IP address (expected: ip[:port], e.g. 10.0.0.2 or "
                    + "10.0.0.2:5353; a name server is named by address)");
        }
        try {
            // Checked above to be a literal (IPv4 dotted quad, or containing ':'): getByName parses, never looks up.
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (java.net.UnknownHostException | IllegalArgumentException e) {
            throw item.error("'" + text + "' is not an IP address (expected: ip[:port])");
        }
    }

    private static int port(ConfigNode item, String text, String port) {
        try {
            int p = Integer.parseInt(port);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw item.error("'" + text + "': bad port '" + port + "' (expected: 1-65535)");
    }

    /** Netty's DNS cache counts whole seconds: a fraction would be silently truncated, so it is refused. */
    private static Duration seconds(ConfigNode parent, String key, Duration fallback) {
        if (!parent.has(key)) {
            return fallback;
        }
        ConfigNode node = parent.get(key);
        Duration d = node.asDuration(); // never negative: the syntax has no sign
        if (d.getNano() != 0) {
            throw node.error(d.toMillis() + "ms (expected: whole seconds, e.g. 30s; DNS TTLs count seconds)");
        }
        if (d.compareTo(ResolverSettings.UNBOUNDED_TTL) > 0) {
            throw node.error(d.toSeconds() + "s (expected: at most " + Integer.MAX_VALUE + "s)");
        }
        return d;
    }
}
