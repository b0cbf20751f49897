package io.tidegate.kernel.engine;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tidegate.kernel.routing.PathNormalizer;
import io.tidegate.kernel.routing.RequestFacts;
import io.tidegate.spi.policy.ConnectionView;
import io.tidegate.spi.policy.RequestView;
import io.tidegate.spi.policy.RouteView;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A validated request head, parsed once: the target split into authority, normalized path and
 * query. It is what the routing table matches on ({@link RequestFacts}) and what policies read
 * ({@link RequestView}), without copying the headers.
 */
final class RequestHead implements RequestFacts, RequestView {

    private final HttpRequest request;
    private final DownstreamConnection connection;
    private final String scheme;
    private final String authority;
    private final String host;
    private final String path;
    private final String rawQuery;
    private final boolean absoluteForm;
    private final boolean connect;
    private final String originalUri;
    private String requestId;
    private RouteView route;
    private Map<String, List<String>> query;

    private RequestHead(HttpRequest request, DownstreamConnection connection, String scheme, String authority,
                        String path, String rawQuery, boolean absoluteForm) {
        this.request = request;
        this.connection = connection;
        this.scheme = scheme;
        this.authority = authority;
        this.host = Authority.host(authority);
        this.path = path;
        this.rawQuery = rawQuery;
        this.absoluteForm = absoluteForm;
        this.connect = io.netty.handler.codec.http.HttpMethod.CONNECT.equals(request.method());
        this.originalUri = request.uri();
    }

    /**
     * Parses the request target (RFC 9112 section 3.2): origin-form or absolute-form. For the
     * absolute form the target's authority replaces Host for routing, as RFC 9112 section 3.2.2 asks.
     *
     * @throws IllegalArgumentException with a short reason when the target is invalid
     */
    static RequestHead parse(HttpRequest request, DownstreamConnection connection, String scheme) {
        String uri = request.uri();
        if (io.netty.handler.codec.http.HttpMethod.CONNECT.equals(request.method())) {
            return parseConnect(request, connection, scheme, uri);
        }
        String authority;
        String pathAndQuery;
        boolean absolute = false;
        if (uri.startsWith("/")) {
            String hostHeader = request.headers().get(HttpHeaderNames.HOST);
            authority = hostHeader == null ? "" : hostHeader.trim();
            pathAndQuery = uri;
        } else if (startsWithIgnoreCase(uri, "http://") || startsWithIgnoreCase(uri, "https://")) {
            int start = uri.indexOf("//") + 2;
            int slash = indexOfAny(uri, start);
            authority = slash < 0 ? uri.substring(start) : uri.substring(start, slash);
            if (authority.indexOf('@') >= 0 || !Authority.isValid(authority) || authority.isEmpty()) {
                throw new IllegalArgumentException("invalid authority in request target");
            }
            String rest = slash < 0 ? "/" : uri.substring(slash);
            pathAndQuery = rest.startsWith("?") ? "/" + rest : rest;
            absolute = true;
        } else {
            throw new IllegalArgumentException("invalid request target");
        }
        if (pathAndQuery.indexOf('#') >= 0) {
            throw new IllegalArgumentException("fragment in request target");
        }
        int q = pathAndQuery.indexOf('?');
        String rawPath = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String rawQuery = q < 0 ? "" : pathAndQuery.substring(q + 1);
        String path = PathNormalizer.normalize(rawPath);
        if (path == null) {
            throw new IllegalArgumentException("invalid path");
        }
        return new RequestHead(request, connection, scheme, authority, path, rawQuery, absolute);
    }

    /**
     * CONNECT takes the authority-form (RFC 9112 section 3.2.3): {@code host:port}, the port required.
     * There is no path; {@link #path()} is empty.
     */
    private static RequestHead parseConnect(HttpRequest request, DownstreamConnection connection, String scheme,
                                            String uri) {
        int colon = uri.lastIndexOf(':');
        if (uri.isEmpty() || uri.indexOf('@') >= 0 || colon < 0 || colon == uri.length() - 1
                || colon < uri.lastIndexOf(']') || !Authority.isValid(uri) || Authority.port(uri, 0) == 0) {
            throw new IllegalArgumentException("invalid CONNECT target (expected: host:port)");
        }
        if (request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)
                || io.netty.handler.codec.http.HttpUtil.getContentLength(request, 0L) != 0) {
            // RFC 9110 section 9.3.6: CONNECT has no content; bytes after the head belong to the tunnel.
            throw new IllegalArgumentException("CONNECT with a body");
        }
        return new RequestHead(request, connection, scheme, uri, "", "", true);
    }

    /** Whether this is a CONNECT request (authority-form target, tunnel). */
    boolean isConnect() {
        return connect;
    }

    private static boolean startsWithIgnoreCase(String s, String prefix) {
        return s.regionMatches(true, 0, prefix, 0, prefix.length());
    }

    private static int indexOfAny(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '/' || c == '?') {
                return i;
            }
        }
        return -1;
    }

    HttpRequest request() {
        return request;
    }

    String originalUri() {
        return originalUri;
    }

    void requestId(String id) {
        this.requestId = id;
    }

    void route(RouteView route) {
        this.route = route;
    }

    /** Path and query as they arrived, for the access log. */
    String pathAndQuery() {
        return rawQuery.isEmpty() ? path : path + "?" + rawQuery;
    }

    // ---- RequestFacts and RequestView ----------------------------------------------------------

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return Authority.port(authority, scheme.equals("https") ? 443 : 80);
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String method() {
        return request.method().name();
    }

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public String authority() {
        return authority;
    }

    @Override
    public String rawQuery() {
        return rawQuery;
    }

    @Override
    public String header(String name) {
        return request.headers().get(name);
    }

    @Override
    public List<String> headers(String name) {
        return request.headers().getAll(name);
    }

    @Override
    public List<Map.Entry<String, String>> headerEntries() {
        List<Map.Entry<String, String>> out = new ArrayList<>(request.headers().size());
        request.headers().forEach(e -> out.add(new AbstractMap.SimpleImmutableEntry<>(e.getKey(), e.getValue())));
        return out;
    }

    @Override
    public String queryParam(String name) {
        if (rawQuery.isEmpty()) {
            return null;
        }
        if (query == null) {
            query = new QueryStringDecoder(rawQuery, StandardCharsets.UTF_8, false).parameters();
        }
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public String requestId() {
        return requestId;
    }

    @Override
    public boolean isProxyRequest() {
        return absoluteForm;
    }

    @Override
    public RouteView route() {
        return route;
    }

    @Override
    public ConnectionView connection() {
        return connection;
    }
}
