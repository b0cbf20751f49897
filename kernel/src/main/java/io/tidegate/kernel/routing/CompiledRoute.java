package io.tidegate.kernel.routing;

import io.tidegate.spi.model.HostWildcard;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteMatch;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One route, validated and compiled, with its rank: its index in the table's input list, which is its
 * precedence. The index files it under its hosts and path; {@link #conditionsHold} checks the rest.
 */
final class CompiledRoute {

    final int rank;
    final String name;
    /** Deduplicated; a route with {@code *} among its hosts has just {@link HostPattern#ANY}. */
    final List<HostPattern> hosts;
    final HostWildcard hostWildcard;
    /** Null: any path. */
    final PathCondition path;
    private final RouteConditions conditions;

    private CompiledRoute(int rank, String name, List<HostPattern> hosts, HostWildcard hostWildcard,
                          PathCondition path, RouteConditions conditions) {
        this.rank = rank;
        this.name = name;
        this.hosts = hosts;
        this.hostWildcard = hostWildcard;
        this.path = path;
        this.conditions = conditions;
    }

    static CompiledRoute compile(Route route, int rank) throws InvalidRouteException {
        RouteMatch match = route.match();
        Set<HostPattern> hosts = new LinkedHashSet<>();
        List<String> written = match.hosts();
        for (int i = 0; i < written.size(); i++) {
            hosts.add(HostPattern.parse(written.get(i), route, "match.hosts[" + i + "]"));
        }
        List<HostPattern> patterns = hosts.isEmpty() || hosts.contains(HostPattern.ANY)
                ? List.of(HostPattern.ANY) : List.copyOf(hosts);
        PathCondition path = match.path() == null ? null : PathCondition.compile(match.path(), route);
        return new CompiledRoute(rank, route.name(), patterns, match.hostWildcard(), path,
                RouteConditions.compile(match, route));
    }

    /** Method, headers and query; the index has already matched host and path. */
    boolean conditionsHold(RequestFacts request) {
        return conditions.test(request);
    }

    /** The first failing condition in words, or null when the whole match holds. Scans; not for the hot path. */
    String failure(RequestFacts request) {
        String host = request.host();
        if (!hostMatches(host)) {
            List<String> texts = new ArrayList<>();
            hosts.forEach(h -> texts.add(h.text()));
            String note = hostWildcard == HostWildcard.SINGLE_LABEL
                    && hosts.stream().anyMatch(h -> h.kind() == HostPattern.Kind.WILDCARD)
                    ? " (* stands for exactly one label)" : "";
            return "host " + (host.isEmpty() ? "(none)" : host) + " does not match " + texts + note;
        }
        if (path != null && !path.matches(request.path())) {
            return "path " + request.path() + " " + path.describeFailure();
        }
        return conditions.failure(request);
    }

    private boolean hostMatches(String host) {
        for (HostPattern pattern : hosts) {
            if (pattern.matches(host, hostWildcard)) {
                return true;
            }
        }
        return false;
    }
}
