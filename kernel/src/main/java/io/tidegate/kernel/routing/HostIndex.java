package io.tidegate.kernel.routing;

import io.tidegate.spi.model.HostWildcard;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Routes grouped by host pattern, each group a {@link PathIndex}: exact hosts in a hash map, wildcard
 * hosts by suffix ({@code .example.com}) in two maps, one per {@link HostWildcard} meaning, and a group for
 * routes that take any host. A lookup probes the exact map once, the wildcard maps once per label suffix of
 * the request host, and the any-host group; which route wins is then decided by rank alone, never by how
 * specific the host pattern is: the source orders its routes.
 */
final class HostIndex {

    private final Map<String, PathIndex> exact;
    /** {@code *.suffix} standing for one or more labels; keyed by {@code .suffix}. */
    private final RegionMap<PathIndex> anyLabels;
    /** {@code *.suffix} standing for exactly one label; keyed by {@code .suffix}. */
    private final RegionMap<PathIndex> singleLabel;
    private final PathIndex anyHost;

    private HostIndex(Map<String, PathIndex> exact, RegionMap<PathIndex> anyLabels,
                      RegionMap<PathIndex> singleLabel, PathIndex anyHost) {
        this.exact = exact;
        this.anyLabels = anyLabels;
        this.singleLabel = singleLabel;
        this.anyHost = anyHost;
    }

    /** The lowest rank of a route whose whole match holds, or {@link Candidates#NONE}. */
    int best(String host, String path, String folded, RequestFacts request) {
        int best = Candidates.NONE;
        PathIndex group = exact.get(host);
        if (group != null) {
            best = group.best(path, folded, request, best);
        }
        int firstDot = host.indexOf('.');
        if (firstDot > 0) {
            int length = host.length();
            if (singleLabel != null) {
                group = singleLabel.get(host, firstDot, length);
                if (group != null) {
                    best = group.best(path, folded, request, best);
                }
            }
            if (anyLabels != null) {
                for (int dot = firstDot; dot >= 0; dot = host.indexOf('.', dot + 1)) {
                    group = anyLabels.get(host, dot, length);
                    if (group != null) {
                        best = group.best(path, folded, request, best);
                    }
                }
            }
        }
        if (anyHost != null) {
            best = anyHost.best(path, folded, request, best);
        }
        return best;
    }

    /** Files each route in rank order under each of its host patterns. */
    static final class Builder {
        private final Map<String, PathIndex.Builder> exact = new LinkedHashMap<>();
        private final Map<String, PathIndex.Builder> anyLabels = new LinkedHashMap<>();
        private final Map<String, PathIndex.Builder> singleLabel = new LinkedHashMap<>();
        private PathIndex.Builder anyHost;

        void add(CompiledRoute route) {
            for (HostPattern host : route.hosts) {
                PathIndex.Builder group = switch (host.kind()) {
                    case ANY -> anyHost == null ? anyHost = new PathIndex.Builder() : anyHost;
                    case EXACT -> exact.computeIfAbsent(host.value(), h -> new PathIndex.Builder());
                    case WILDCARD -> (route.hostWildcard == HostWildcard.SINGLE_LABEL ? singleLabel : anyLabels)
                            .computeIfAbsent(host.value(), h -> new PathIndex.Builder());
                };
                group.add(route);
            }
        }

        HostIndex build() {
            return new HostIndex(freeze(exact), regionMap(anyLabels), regionMap(singleLabel),
                    anyHost == null ? null : anyHost.build());
        }

        private static Map<String, PathIndex> freeze(Map<String, PathIndex.Builder> groups) {
            Map<String, PathIndex> frozen = new HashMap<>(groups.size() * 2);
            groups.forEach((host, group) -> frozen.put(host, group.build()));
            return frozen;
        }

        private static RegionMap<PathIndex> regionMap(Map<String, PathIndex.Builder> groups) {
            return groups.isEmpty() ? null : new RegionMap<>(freeze(groups));
        }
    }
}
