package io.tidegate.kernel.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The routes of one host group, filed by path kind: exact paths in a hash map, character prefixes in a
 * {@link PrefixTrie}, element-wise prefixes in a {@link SegmentTrie}, and lists for regex paths and for
 * routes without a path condition. Case-insensitive exact and prefix paths live in separate structures
 * keyed by the folded value, so case-sensitive routes never pay for folding.
 */
final class PathIndex {

    private final Map<String, CompiledRoute[]> exact;
    private final PrefixTrie prefixes;
    private final SegmentTrie segments;
    private final Map<String, CompiledRoute[]> foldedExact;
    private final PrefixTrie foldedPrefixes;
    private final SegmentTrie foldedSegments;
    private final CompiledRoute[] regex;
    private final CompiledRoute[] anyPath;
    /** The lowest rank in the group: a group that cannot beat the current best is skipped whole. */
    final int minRank;

    private PathIndex(Builder b) {
        exact = freeze(b.exact);
        prefixes = b.prefixes.build();
        segments = b.segments.build();
        foldedExact = freeze(b.foldedExact);
        foldedPrefixes = b.foldedPrefixes.build();
        foldedSegments = b.foldedSegments.build();
        regex = Candidates.of(b.regex);
        anyPath = Candidates.of(b.anyPath);
        minRank = b.minRank;
    }

    /**
     * The lowest rank of a route of this group whose path and other conditions hold, if below {@code best};
     * else {@code best}.
     *
     * @param folded the case-folded path; only read when the group has case-insensitive routes
     */
    int best(String path, String folded, RequestFacts request, int best) {
        if (minRank >= best) {
            return best;
        }
        if (exact != null) {
            best = Candidates.first(exact.get(path), request, best);
        }
        if (prefixes != null) {
            best = prefixes.best(path, request, best);
        }
        if (segments != null) {
            best = segments.best(path, request, best);
        }
        if (foldedExact != null) {
            best = Candidates.first(foldedExact.get(folded), request, best);
        }
        if (foldedPrefixes != null) {
            best = foldedPrefixes.best(folded, request, best);
        }
        if (foldedSegments != null) {
            best = foldedSegments.best(folded, request, best);
        }
        best = Candidates.firstRegex(regex, path, request, best);
        return Candidates.first(anyPath, request, best);
    }

    private static Map<String, CompiledRoute[]> freeze(Map<String, List<CompiledRoute>> draft) {
        if (draft.isEmpty()) {
            return null;
        }
        Map<String, CompiledRoute[]> frozen = new HashMap<>(draft.size() * 2);
        draft.forEach((path, routes) -> frozen.put(path, Candidates.of(routes)));
        return frozen;
    }

    /** Files routes in rank order. */
    static final class Builder {
        private final Map<String, List<CompiledRoute>> exact = new HashMap<>();
        private final PrefixTrie.Builder prefixes = new PrefixTrie.Builder();
        private final SegmentTrie.Builder segments = new SegmentTrie.Builder();
        private final Map<String, List<CompiledRoute>> foldedExact = new HashMap<>();
        private final PrefixTrie.Builder foldedPrefixes = new PrefixTrie.Builder();
        private final SegmentTrie.Builder foldedSegments = new SegmentTrie.Builder();
        private final List<CompiledRoute> regex = new ArrayList<>();
        private final List<CompiledRoute> anyPath = new ArrayList<>();
        private int minRank = Candidates.NONE;

        void add(CompiledRoute route) {
            minRank = Math.min(minRank, route.rank);
            PathCondition path = route.path;
            if (path == null) {
                anyPath.add(route);
                return;
            }
            boolean fold = path.ignoreCase();
            switch (path.kind()) {
                case EXACT -> (fold ? foldedExact : exact).computeIfAbsent(path.key(), k -> new ArrayList<>()).add(route);
                case PREFIX -> (fold ? foldedPrefixes : prefixes).add(path.key(), route);
                case SEGMENT_PREFIX -> (fold ? foldedSegments : segments).add(path.key(), route);
                case REGEX -> regex.add(route);
            }
        }

        PathIndex build() {
            return new PathIndex(this);
        }
    }
}
