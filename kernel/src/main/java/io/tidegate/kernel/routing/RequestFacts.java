package io.tidegate.kernel.routing;

import java.util.List;

/**
 * What the routing table needs to know about a request. Implemented by the engine over its own request
 * representation, so the table never sees a Netty type and never copies headers it does not match on.
 */
public interface RequestFacts {

    /** The host, lower case, without port or brackets; {@code ""} when the request carries none. */
    String host();

    /** The normalized path without the query; always starts with {@code /}. */
    String path();

    /** The method, upper case. */
    String method();

    /** {@code http} or {@code https}. */
    String scheme();

    /** The authority as received: {@code host[:port]}. */
    String authority();

    /** The first value of a header, or null when absent. */
    String header(String lowerCaseName);

    /** All values of a header in order; empty when absent, never null. */
    List<String> headers(String lowerCaseName);

    /** The first decoded value of a query parameter, or null when absent. */
    String queryParam(String name);
}
