package io.tidegate.kernel.config;

import io.tidegate.spi.config.ConfigNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Reads the {@code tracing:} section strictly; every error names its key. */
final class TracingConfigLoader {

    private TracingConfigLoader() {
    }

    static TracingConfig parse(ConfigNode node) {
        if (node.isNull()) {
            return TracingConfig.DISABLED;
        }
        node.requireOnlyKeys("enabled", "serviceName", "sampler", "samplingRatio", "otlp");
        boolean enabled = node.bool("enabled", true);
        String serviceName = node.string("serviceName", "tidegate");
        if (serviceName.isBlank()) {
            throw node.get("serviceName").error("is empty (expected: a service name, e.g. tidegate)");
        }
        TracingConfig.Sampler sampler = node.getOrNull("sampler").isNull() ? TracingConfig.Sampler.PARENT_BASED
                : node.get("sampler").asEnum(TracingConfig.Sampler.class);
        double ratio = 1.0;
        if (!node.getOrNull("samplingRatio").isNull()) {
            String text = node.string("samplingRatio");
            try {
                ratio = Double.parseDouble(text);
            } catch (NumberFormatException e) {
                ratio = Double.NaN;
            }
            if (!(ratio >= 0 && ratio <= 1)) {
                throw node.get("samplingRatio").error("'" + text + "' (expected: a number from 0 to 1, e.g. 0.1)");
            }
        }
        return new TracingConfig(enabled, serviceName, sampler, ratio, otlp(node.getOrNull("otlp")));
    }

    private static TracingConfig.Otlp otlp(ConfigNode node) {
        if (node.isNull()) {
            return null;
        }
        node.requireOnlyKeys("endpoint", "headers", "timeout", "batchSize", "batchInterval", "queueSize");
        ConfigNode endpointNode = node.get("endpoint");
        String text = endpointNode.asString();
        URI endpoint;
        try {
            endpoint = new URI(text);
        } catch (URISyntaxException e) {
            throw endpointNode.error("'" + text + "' is not a URL (expected: e.g. http://127.0.0.1:4318/v1/traces)");
        }
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || endpoint.getHost() == null) {
            throw endpointNode.error("'" + text + "' (expected: an http or https URL with a host, e.g. "
                    + "http://127.0.0.1:4318/v1/traces)");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        ConfigNode headersNode = node.getOrNull("headers");
        for (String name : headersNode.keys()) {
            ConfigNode value = headersNode.get(name);
            if (name.isEmpty() || !name.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c)
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0))) {
                throw value.error("is not a header name (expected: letters, digits and !#$%&'*+-.^_`|~)");
            }
            String v = value.asString();
            if (!v.chars().allMatch(c -> c == '\t' || c >= 0x20 && c != 0x7f)) {
                throw value.error("contains a control character (expected: a one-line header value)");
            }
            headers.put(name.toLowerCase(Locale.ROOT), v);
        }
        Duration timeout = positive(node, "timeout", Duration.ofSeconds(10));
        int batchSize = bounded(node, "batchSize", 512, 1, 65_536);
        Duration interval = positive(node, "batchInterval", Duration.ofSeconds(5));
        int queueSize = bounded(node, "queueSize", 2048, 1, 1 << 20);
        if (queueSize < batchSize) {
            throw node.get("queueSize").error(queueSize + " (expected: at least batchSize, " + batchSize + ")");
        }
        return new TracingConfig.Otlp(endpoint, headers, timeout, batchSize, interval, queueSize);
    }

    private static Duration positive(ConfigNode parent, String key, Duration fallback) {
        Duration d = parent.duration(key, fallback);
        if (d.isZero() || d.isNegative()) {
            throw parent.get(key).error("'" + parent.string(key) + "' (expected: a duration > 0, e.g. 5s)");
        }
        return d;
    }

    private static int bounded(ConfigNode parent, String key, int fallback, int min, int max) {
        return parent.find(key).map(n -> n.asInt(min, max)).orElse(fallback);
    }
}
