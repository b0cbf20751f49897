package io.tidegate.spi.policy;

import java.util.List;
import java.util.Map;

/**
 * A read-only view of a request's head, after routing. It is valid only during the call it is
 * passed to (and until the returned stage completes); copy what you keep.
 */
public interface RequestView {

    /** The method, upper case. */
    String method();

    /** {@code http} or {@code https}, as the client spoke to the gateway. */
    String scheme();

    /** Host and optional port from the request target or {@code Host}; for CONNECT, {@code host:port}. */
    String authority();

    /** The authority's host, lower case, without port or brackets. */
    String host();

    /** The authority's port, or the scheme's default. */
    int port();

    /** The path, without the query string, as it will be matched (normalized). */
    String path();

    /** The raw query string without {@code ?}, or empty. */
    String rawQuery();

    /** The first decoded value of a query parameter, or null. */
    String queryParam(String name);

    /** The first value of a header (case-insensitive name), or null. */
    String header(String name);

    /** All values of a header, in order; empty when absent. */
    List<String> headers(String name);

    /** Every header as name and value pairs, in order. */
    List<Map.Entry<String, String>> headerEntries();

    /** The request id ({@code X-Request-Id}, received or generated). */
    String requestId();

    /** Whether this is a forward-proxy request: absolute-form target or CONNECT. */
    boolean isProxyRequest();

    /** The route chosen for the request, or null (forward-proxy requests may have none). */
    RouteView route();

    /** The client connection. */
    ConnectionView connection();
}
