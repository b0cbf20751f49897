package io.tidegate.kernel.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A request as the engine would describe it to the table; mutable, for tests only. */
final class Req implements RequestFacts {

    private String host;
    private String path;
    private String method = "GET";
    private String scheme = "http";
    private String authority;
    private final Map<String, List<String>> headers = new HashMap<>();
    private final Map<String, String> query = new HashMap<>();

    private Req(String host, String path) {
        this.host = host;
        this.path = path;
    }

    static Req of(String host, String path) {
        return new Req(host, path);
    }

    /** A request for any host. */
    static Req path(String path) {
        return new Req("example.com", path);
    }

    Req method(String method) {
        this.method = method;
        return this;
    }

    Req scheme(String scheme) {
        this.scheme = scheme;
        return this;
    }

    Req authority(String authority) {
        this.authority = authority;
        return this;
    }

    /** Adds values to a header; the name is lower-cased as the engine would. */
    Req header(String name, String... values) {
        headers.computeIfAbsent(name.toLowerCase(java.util.Locale.ROOT), n -> new ArrayList<>()).addAll(List.of(values));
        return this;
    }

    Req query(String name, String value) {
        query.put(name, value);
        return this;
    }

    @Override
    public String host() {
        return host;
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
        return scheme;
    }

    @Override
    public String authority() {
        return authority != null ? authority : host;
    }

    @Override
    public String header(String lowerCaseName) {
        List<String> values = headers.get(lowerCaseName);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public List<String> headers(String lowerCaseName) {
        return headers.getOrDefault(lowerCaseName, List.of());
    }

    @Override
    public String queryParam(String name) {
        return query.get(name);
    }

    @Override
    public String toString() {
        return method + " " + scheme + "://" + host + path + (headers.isEmpty() ? "" : " " + headers)
                + (query.isEmpty() ? "" : " ?" + query);
    }
}
