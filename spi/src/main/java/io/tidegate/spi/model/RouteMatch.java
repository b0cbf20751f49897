package io.tidegate.spi.model;

import java.util.List;
import java.util.Set;

/**
 * The conditions a request must meet for a route to apply. All given conditions must hold; an empty
 * list or null means "any".
 *
 * @param hosts host patterns: {@code example.com}, {@code *.example.com}, or {@code *} (any); matched
 *              case-insensitively against the request authority without its port. Empty means any.
 * @param hostWildcard what the {@code *} of a wildcard host stands for
 * @param path path condition; null matches every path
 * @param methods request methods (upper case); empty means any
 * @param headers header conditions, all must hold
 * @param queryParams query conditions, all must hold
 */
public record RouteMatch(List<String> hosts, HostWildcard hostWildcard, PathMatch path, Set<String> methods,
                         List<HeaderMatch> headers, List<QueryMatch> queryParams) {

    public RouteMatch {
        hosts = List.copyOf(hosts);
        hostWildcard = hostWildcard == null ? HostWildcard.ANY_LABELS : hostWildcard;
        methods = Set.copyOf(methods);
        headers = List.copyOf(headers);
        queryParams = List.copyOf(queryParams);
    }

    /** Any host, this path condition, nothing else. */
    public static RouteMatch path(PathMatch path) {
        return new RouteMatch(List.of(), HostWildcard.ANY_LABELS, path, Set.of(), List.of(), List.of());
    }

    /** These hosts and this path condition, nothing else. */
    public static RouteMatch hostsAndPath(List<String> hosts, PathMatch path) {
        return new RouteMatch(hosts, HostWildcard.ANY_LABELS, path, Set.of(), List.of(), List.of());
    }
}
