package io.tidegate.kernel.cli;

import io.tidegate.kernel.routing.PathNormalizer;
import io.tidegate.kernel.routing.RequestFacts;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A request described on the command line ({@code explain GET http://host/path -H 'Name: value'}). */
final class ExplainRequest implements RequestFacts {

    private final String method;
    private final URI uri;
    private final String path;
    private final Map<String, List<String>> headers = new LinkedHashMap<>();
    private final Map<String, List<String>> query = new LinkedHashMap<>();

    ExplainRequest(String method, String url, List<String> headerLines) {
        this.method = method.toUpperCase(Locale.ROOT);
        this.uri = URI.create(url);
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("URL '" + url + "' (expected: absolute, e.g. http://example.com/path)");
        }
        String normalized = PathNormalizer.normalize(uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/"
                : uri.getRawPath());
        if (normalized == null) {
            throw new IllegalArgumentException("URL '" + url + "' has an invalid path");
        }
        this.path = normalized;
        for (String line : headerLines) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("header '" + line + "' (expected: 'Name: value')");
            }
            headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
        String raw = uri.getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
            }
        }
    }

    @Override
    public String host() {
        String h = headers.containsKey("host") ? headers.get("host").get(0) : uri.getHost();
        int colon = h.lastIndexOf(':');
        if (colon > 0 && h.indexOf(']') < colon) {
            h = h.substring(0, colon);
        }
        return h.toLowerCase(Locale.ROOT);
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String scheme() {
        return uri.getScheme().toLowerCase(Locale.ROOT);
    }

    @Override
    public String authority() {
        return headers.containsKey("host") ? headers.get("host").get(0) : uri.getRawAuthority();
    }

    @Override
    public String header(String name) {
        List<String> values = headers(name);
        return values.isEmpty() ? null : values.get(0);
    }

    @Override
    public List<String> headers(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        if (key.equals("host") && !headers.containsKey("host")) {
            return List.of(authority());
        }
        return headers.getOrDefault(key, List.of());
    }

    @Override
    public String queryParam(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
